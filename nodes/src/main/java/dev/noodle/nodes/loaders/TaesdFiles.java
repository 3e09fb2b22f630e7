package dev.noodle.nodes.loaders;

import dev.noodle.engine.vae.TinyAutoencoder;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the TAESD files are: {@code models/vae_approx/taesd_encoder.*}, {@code taesd_decoder.*} (SD 1.x/2.x) and
 * {@code taesdxl_*} (SDXL), found by name prefix as ComfyUI's VAELoader finds them (the first listed file whose name
 * starts with {@code taesd_decoder.} is the decoder). Stateless.
 */
public final class TaesdFiles {
    private TaesdFiles() {}

    /** The TAESD variant VAELoader's {@code vae_name} stands for ({@code taesd}, {@code taesdxl}), if any. */
    public static Optional<TinyAutoencoder.Variant> variant(String vaeName) {
        for (TinyAutoencoder.Variant v : TinyAutoencoder.Variant.values()) {
            if (v.id().equals(vaeName)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * VAELoader's list: {@code names} (the vae folder) followed by {@code taesd} and {@code taesdxl} for each pair
     * whose encoder and decoder are both in vae_approx (ComfyUI {@code VAELoader.vae_list}).
     */
    public static List<String> withTaesd(NodeEnvironment env, List<String> names) {
        List<String> out = new ArrayList<>(names);
        List<String> approx = env.models().list(ModelKind.VAE_APPROX);
        for (TinyAutoencoder.Variant v : TinyAutoencoder.Variant.values()) {
            if (first(approx, v.encoderPrefix()).isPresent() && first(approx, v.decoderPrefix()).isPresent()
                    && !out.contains(v.id())) {
                out.add(v.id());
            }
        }
        return out;
    }

    /** The first vae_approx file whose name starts with {@code prefix}. */
    static Optional<String> first(List<String> approx, String prefix) {
        return approx.stream().filter(n -> n.startsWith(prefix)).findFirst();
    }

    /**
     * The decoder file for live previews of the variant's family, if vae_approx has one (ComfyUI's previewer matches
     * {@code taesd_decoder} without the dot).
     */
    public static Optional<Path> previewDecoder(NodeEnvironment env, TinyAutoencoder.Variant v) {
        return first(env.models().list(ModelKind.VAE_APPROX), v.id() + "_decoder")
                .map(n -> env.models().resolve(ModelKind.VAE_APPROX, n));
    }

    /** The encoder file of {@code v}; throws naming the folder and the expected name when there is none. */
    public static Path encoder(NodeEnvironment env, TinyAutoencoder.Variant v) {
        return file(env, v.encoderPrefix(), v);
    }

    /** The decoder file of {@code v}; throws naming the folder and the expected name when there is none. */
    public static Path decoder(NodeEnvironment env, TinyAutoencoder.Variant v) {
        return file(env, v.decoderPrefix(), v);
    }

    private static Path file(NodeEnvironment env, String prefix, TinyAutoencoder.Variant v) {
        Optional<String> name = first(env.models().list(ModelKind.VAE_APPROX), prefix);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("VAELoader: '" + v.id() + "' needs " + prefix + "pth (or"
                    + " .safetensors) in " + env.models().folder(ModelKind.VAE_APPROX) + "; download it from"
                    + " madebyollin/taesd");
        }
        return env.models().resolve(ModelKind.VAE_APPROX, name.get());
    }

    /** Both files' sizes and times, or empty when one is missing (the node reports that when it runs). */
    static Optional<String> fingerprint(NodeEnvironment env, TinyAutoencoder.Variant v) {
        try {
            Optional<String> e = LoaderNodes.fileFingerprint(encoder(env, v));
            Optional<String> d = LoaderNodes.fileFingerprint(decoder(env, v));
            return e.isPresent() && d.isPresent() ? Optional.of(e.get() + "&" + d.get()) : Optional.empty();
        } catch (IllegalArgumentException missing) {
            return Optional.empty();
        }
    }
}
