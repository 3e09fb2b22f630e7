package dev.noodle.nodes.library;

import dev.noodle.engine.adapters.TinyLoras;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.pickle.TorchPickleWriter;
import dev.noodle.engine.unet.UNetConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Random-weight model files in the published layouts, for identification and library tests. */
final class LibraryFixtures {
    private LibraryFixtures() {}

    /** A copy of a safetensors file with extra {@code __metadata__} entries (same tensors, same bytes). */
    static Path withMetadata(Path in, Path out, Map<String, String> extra) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(in)) {
            f.metadata().forEach(w::metadata);
            extra.forEach(w::metadata);
            for (String k : f.keys()) {
                var info = f.info(k);
                var bytes = f.readBytes(k);
                w.add(k, info.dtype(), info.shape(), () -> bytes.duplicate());
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        w.write(out);
        return out;
    }

    /**
     * A kohya LoRA (rank 2, {@code lora_unet_<diffusers path>}) on the modules the few-step LoRAs train
     * ({@link TinyLoras#modules}) of a real UNet, keeping those {@code keep} accepts, optionally with text-encoder
     * modules of the given width and metadata.
     */
    static Path kohyaLora(Path file, UNetConfig unet, Predicate<String> keep, int textWidth, int textLayers,
            Map<String, String> metadata) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        int rank = 2;
        for (Map.Entry<String, long[]> e : TinyLoras.modules(unet).entrySet()) {
            if (!keep.test(e.getKey())) {
                continue;
            }
            long[] s = e.getValue();
            String name = "lora_unet_" + e.getKey().replace('.', '_');
            long[] down = s.length == 4 ? new long[] {rank, s[1], s[2], s[3]} : new long[] {rank, s[1]};
            long[] up = s.length == 4 ? new long[] {s[0], rank, 1, 1} : new long[] {s[0], rank};
            addZeros(w, name + ".lora_down.weight", down);
            addZeros(w, name + ".lora_up.weight", up);
            w.addF32(name + ".alpha", new long[] {}, new float[] {rank});
        }
        for (int layer = 0; layer < textLayers; layer++) {
            String name = "lora_te_text_model_encoder_layers_" + layer + "_self_attn_q_proj";
            addZeros(w, name + ".lora_down.weight", new long[] {rank, textWidth});
            addZeros(w, name + ".lora_up.weight", new long[] {textWidth, rank});
            w.addF32(name + ".alpha", new long[] {}, new float[] {rank});
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
        return file;
    }

    /**
     * An SDXL LoRA as kohya sd-scripts saves one: LDM UNet names ({@code lora_unet_input_blocks_4_1_…}) and both
     * text encoders ({@code lora_te1_} CLIP-L 768, {@code lora_te2_} bigG 1280); LoHa factors when {@code loha}.
     */
    static Path sdxlKohyaLora(Path file, boolean loha, Map<String, String> metadata) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        Map<String, long[]> modules = new LinkedHashMap<>();
        modules.put("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k", new long[] {640, 2048});
        modules.put("lora_unet_input_blocks_4_1_transformer_blocks_1_attn1_to_q", new long[] {640, 640});
        modules.put("lora_unet_middle_block_1_transformer_blocks_9_attn2_to_v", new long[] {1280, 2048});
        modules.put("lora_te1_text_model_encoder_layers_0_self_attn_q_proj", new long[] {768, 768});
        modules.put("lora_te2_text_model_encoder_layers_0_self_attn_q_proj", new long[] {1280, 1280});
        for (Map.Entry<String, long[]> e : modules.entrySet()) {
            long out = e.getValue()[0];
            long in = e.getValue()[1];
            String n = e.getKey();
            if (loha) {
                addZeros(w, n + ".hada_w1_a", new long[] {out, 2});
                addZeros(w, n + ".hada_w1_b", new long[] {2, in});
                addZeros(w, n + ".hada_w2_a", new long[] {out, 2});
                addZeros(w, n + ".hada_w2_b", new long[] {2, in});
            } else {
                addZeros(w, n + ".lora_down.weight", new long[] {2, in});
                addZeros(w, n + ".lora_up.weight", new long[] {out, 2});
            }
            w.addF32(n + ".alpha", new long[] {}, new float[] {2});
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
        return file;
    }

    /** A textual-inversion embedding: {@code emb_params} [2, width], or SDXL's {@code clip_l}/{@code clip_g}. */
    static Path embedding(Path file, int width, boolean sdxl) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        if (sdxl) {
            addZeros(w, "clip_l", new long[] {2, 768});
            addZeros(w, "clip_g", new long[] {2, 1280});
        } else {
            addZeros(w, "emb_params", new long[] {2, width});
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
        return file;
    }

    /** An A1111 {@code .pt} embedding: {@code string_to_param {'*': [2, width]}} with its token map and step. */
    static Path a1111Embedding(Path file, int width) throws IOException {
        Map<Object, Object> root = new LinkedHashMap<>();
        root.put("string_to_token", Map.of("*", 265));
        root.put("string_to_param", Map.of("*", new TorchPickleWriter.Tensor(new long[] {2, width},
                new float[2 * width])));
        root.put("name", "my-style");
        root.put("step", 500);
        root.put("sd_checkpoint", "a1b2c3d4");
        root.put("sd_checkpoint_name", "v1-5-pruned-emaonly");
        Files.createDirectories(file.toAbsolutePath().getParent());
        TorchPickleWriter.write(file, root);
        return file;
    }

    /** A safetensors file with these tensors (zeros) and metadata. */
    static Path tensors(Path file, Map<String, long[]> shapes, Map<String, String> metadata) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        shapes.forEach((k, s) -> addZeros(w, k, s));
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
        return file;
    }

    static void addZeros(SafetensorsWriter w, String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        w.addF16(name, shape, new float[(int) n]);
    }

    static Predicate<String> attention(List<String> parts) {
        return k -> parts.stream().anyMatch(k::contains);
    }
}
