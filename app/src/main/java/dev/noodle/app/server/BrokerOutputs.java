package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.JetStreamApiException;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the files a prompt produced from the worker that ran it to the coordinators through the broker's object
 * store: the worker puts each file its history entry lists ({@code images}, {@code gifs}, {@code audio}… of every
 * output node, {@code output} and {@code temp} folders) under {@code type/WORKER/subfolder/filename} (the entry then
 * names that sub-folder, so files of different workers never clash); a coordinator asked for
 * a file it does not have ({@code /view}) gets it from there and keeps a copy in its own folder. Used when the
 * machines share no folder; with {@code --outputs shared} every machine writes into the one shared output folder and
 * nothing travels. Thread-safe.
 */
final class BrokerOutputs implements FileHandlers.RemoteFiles {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerOutputs.class);
    private final Broker broker;
    private final FileRoots roots;

    BrokerOutputs(Broker broker, FileRoots roots) {
        this.broker = broker;
        this.roots = roots;
    }

    static String objectName(String type, String subfolder, String filename) {
        String sub = subfolder == null || subfolder.isEmpty() ? "" : subfolder.replace('\\', '/') + "/";
        return (type == null || type.isEmpty() ? "output" : type) + "/" + sub + filename;
    }

    @Override
    public void uploaded(String type, String subfolder, String filename, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            broker.outputs().put(objectName(type, subfolder, filename), in);
        } catch (JetStreamApiException | NoSuchAlgorithmException e) {
            throw new IOException("the broker did not take " + filename + ": " + e.getMessage(), e);
        }
    }

    /**
     * On a worker, before running a prompt: fetches the uploaded files it names (inputs like {@code photo.png},
     * {@code sub/mask.png [input]}, {@code x.png [output]}) that this machine does not have. Returns how many.
     */
    int fetchInputs(ObjectNode prompt) {
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = prompt.fields(); it.hasNext(); ) {
            for (Iterator<Map.Entry<String, JsonNode>> in = it.next().getValue().path("inputs").fields();
                    in.hasNext(); ) {
                JsonNode v = in.next().getValue();
                if (!v.isTextual() || !FILE_VALUE.matcher(v.asText()).matches()) {
                    continue;
                }
                java.util.regex.Matcher m = FILE_VALUE.matcher(v.asText());
                m.matches();
                String type = m.group(2) == null ? "input" : m.group(2);
                String path = m.group(1).replace('\\', '/');
                int slash = path.lastIndexOf('/');
                String sub = slash < 0 ? "" : path.substring(0, slash);
                String name = path.substring(slash + 1);
                try {
                    roots.resolveExisting(type, sub, name);
                } catch (FileRoots.PathRefused e) {
                    if (e.status() == 404 && fetch(type, sub, name)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** An input value naming an uploaded file: {@code [sub/]name.ext[ [input|output|temp]]}. */
    private static final java.util.regex.Pattern FILE_VALUE = java.util.regex.Pattern.compile(
            "([^\\[\\]]+?\\.(?i:png|jpe?g|webp|bmp|gif|tiff?|latent|json|txt|mp4|webm))(?: \\[(input|output|temp)\\])?");

    /**
     * Puts every file a history entry's {@code outputs} lists into the object store under a sub-folder named after
     * this worker ({@code output/WORKER/SUBFOLDER/NAME}), and rewrites the entry to name it so: each worker numbers
     * its files in its own folder, so two workers both write {@code ComfyUI_00001_.png}, and without the worker's
     * folder one image would replace the other on the broker. Returns how many files were put.
     */
    int publish(ObjectNode outputs, String workerId) throws IOException {
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = outputs.fields(); it.hasNext(); ) {
            JsonNode ui = it.next().getValue();
            for (Iterator<Map.Entry<String, JsonNode>> kinds = ui.fields(); kinds.hasNext(); ) {
                JsonNode list = kinds.next().getValue();
                if (!list.isArray()) {
                    continue;
                }
                for (JsonNode f : list) {
                    if (!f.path("filename").isTextual() || !(f instanceof ObjectNode entry)) {
                        continue;
                    }
                    String type = f.path("type").asText("output");
                    String sub = f.path("subfolder").asText("");
                    String name = f.path("filename").asText();
                    Path file;
                    try {
                        file = roots.resolveExisting(type, sub, name);
                    } catch (FileRoots.PathRefused e) {
                        LOG.debug("not publishing {}: {}", name, e.getMessage());
                        continue;
                    }
                    String shared = sub.isEmpty() ? workerId : workerId + "/" + sub;
                    try (InputStream in = Files.newInputStream(file)) {
                        broker.outputs().put(objectName(type, shared, name), in);
                        entry.put("subfolder", shared);
                        n++;
                    } catch (JetStreamApiException | NoSuchAlgorithmException e) {
                        throw new IOException("the broker did not take " + name + ": " + e.getMessage(), e);
                    }
                }
            }
        }
        return n;
    }

    /**
     * Copies {@code type/subfolder/filename} from the object store into this machine's folder for {@code type};
     * false when the broker does not have it.
     */
    @Override
    public boolean fetch(String type, String subfolder, String filename) {
        String object = objectName(type, subfolder, filename);
        ObjectStore os = broker.outputs();
        try {
            ObjectInfo info = os.getInfo(object);
            if (info == null || info.isDeleted()) {
                return false;
            }
            Path dir = roots.writableFolder(type == null || type.isEmpty() ? "output" : type,
                    subfolder == null ? "" : subfolder);
            Path tmp = Files.createTempFile(dir, ".fetch-", ".part");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    os.get(object, out);
                }
                Files.move(tmp, dir.resolve(filename), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (FileRoots.PathRefused e) {
            return false;
        } catch (IOException | JetStreamApiException | NoSuchAlgorithmException e) {
            LOG.warn("could not fetch {} from {}: {}", object, broker.url(), e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
