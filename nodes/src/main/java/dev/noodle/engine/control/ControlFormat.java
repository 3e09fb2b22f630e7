package dev.noodle.engine.control;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFormatException;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One file format of control models that {@link ControlModels} recognises by its keys: lllyasviel's LDM
 * ControlNets, diffusers ControlNets, Stability's control-LoRAs, T2I-Adapters. A format that Noodle does not read
 * yet is still recognised, so its files get an error that says what they are. Implementations are stateless and
 * thread-safe.
 */
public interface ControlFormat {
    /** What users call the format ("lllyasviel ControlNet", "diffusers ControlNet"), for messages. */
    String name();

    /** Whether a file with these keys is in this format; only key names are looked at, no tensor is read. */
    boolean recognises(Set<String> keys);

    /**
     * Loads the control model in {@code file}.
     *
     * @throws ModelFormatException naming the file and what does not fit
     */
    ControlModel load(ModelFile file, ControlModels.Request request);

    /**
     * A recognised format Noodle does not read: loading says which format the file is, and {@code advice}.
     *
     * @param keys recognises the format's key names
     */
    static ControlFormat notRead(String name, Predicate<Set<String>> keys, String advice) {
        return new ControlFormat() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean recognises(Set<String> k) {
                return keys.test(k);
            }

            @Override
            public ControlModel load(ModelFile file, ControlModels.Request request) {
                throw new ModelFormatException(file.path() + " is a " + name + ", a format Noodle does not read yet. "
                        + advice);
            }
        };
    }
}
