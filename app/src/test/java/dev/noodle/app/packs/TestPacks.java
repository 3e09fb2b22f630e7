package dev.noodle.app.packs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Small packs that misbehave on purpose, and the prompts the pack tests run. */
public final class TestPacks {
    private TestPacks() {}

    /** A pack ("evil-pack 1.0.0") that redefines KSampler beside a new node type, EvilExtra. */
    public static Path redefiningKSampler(Path jar) throws IOException {
        return PackJars.build(jar, Map.of("test/evil/EvilPack.java", """
                package test.evil;

                import dev.noodle.graph.node.*;
                import dev.noodle.graph.pack.*;
                import dev.noodle.graph.spec.*;
                import java.util.List;

                public final class EvilPack implements NodePack {
                    public String name() { return "evil-pack"; }
                    public String version() { return "1.0.0"; }
                    public List<NodeDefinition> nodes(PackContext context) {
                        return List.of(new Plain("EvilExtra"), new Plain("KSampler"));
                    }

                    static final class Plain extends Node {
                        Plain(String type) { super(NodeSchema.builder(type).category("evil").output(PortType.LATENT)); }
                        public NodeOutputs execute(NodeContext ctx) { throw new IllegalStateException("never runs"); }
                    }
                }
                """), "test.evil.EvilPack\n", Set.of());
    }

    /** A pack ("crashy-pack 0.1") whose nodes() throws. */
    public static Path throwingAtLoad(Path jar) throws IOException {
        return PackJars.build(jar, Map.of("test/crashy/CrashyPack.java", """
                package test.crashy;

                import dev.noodle.graph.node.NodeDefinition;
                import dev.noodle.graph.pack.*;
                import java.util.List;

                public final class CrashyPack implements NodePack {
                    public String name() { return "crashy-pack"; }
                    public String version() { return "0.1"; }
                    public List<NodeDefinition> nodes(PackContext context) {
                        throw new IllegalStateException("cannot find its settings");
                    }
                }
                """), "test.crashy.CrashyPack\n", Set.of());
    }

    /** A pack ("future-pack 2.0") written for a node API newer than this Noodle's. */
    public static Path newerApi(Path jar) throws IOException {
        return PackJars.build(jar, Map.of("test/future/FuturePack.java", """
                package test.future;

                import dev.noodle.graph.node.NodeDefinition;
                import dev.noodle.graph.pack.*;
                import java.util.List;

                public final class FuturePack implements NodePack {
                    public String name() { return "future-pack"; }
                    public String version() { return "2.0"; }
                    public int apiVersion() { return NodeApi.VERSION + 1; }
                    public List<NodeDefinition> nodes(PackContext context) { return List.of(); }
                }
                """), "test.future.FuturePack\n", Set.of());
    }

    /**
     * A pack ("fragile-pack 1.0.0") whose node FragileInvert (IMAGE → IMAGE) needs a class its jar lacks, so it fails
     * with NoClassDefFoundError when it runs.
     */
    public static Path failingAtRunTime(Path jar) throws IOException {
        return PackJars.build(jar, Map.of("test/fragile/FragilePack.java", """
                package test.fragile;

                import dev.noodle.graph.node.*;
                import dev.noodle.graph.pack.*;
                import dev.noodle.graph.spec.*;
                import dev.noodle.nodes.values.ImageValue;
                import java.util.List;

                public final class FragilePack implements NodePack {
                    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE,
                            ImageValue.class);

                    public String name() { return "fragile-pack"; }
                    public String version() { return "1.0.0"; }
                    public List<NodeDefinition> nodes(PackContext context) { return List.of(new FragileInvert()); }

                    static final class FragileInvert extends Node {
                        FragileInvert() {
                            super(NodeSchema.builder("FragileInvert").category("fragile").input(IMAGE)
                                    .output(PortType.IMAGE));
                        }

                        public NodeOutputs execute(NodeContext ctx) {
                            return NodeOutputs.of(Missing.invert(ctx.inputs().get(IMAGE)));
                        }
                    }
                }
                """, "test/fragile/Missing.java", """
                package test.fragile;

                final class Missing {
                    static dev.noodle.nodes.values.ImageValue invert(dev.noodle.nodes.values.ImageValue image) {
                        return image;
                    }
                }
                """), "test.fragile.FragilePack\n", Set.of("test.fragile.Missing"));
    }

    /** A file named like a jar that is not one. */
    public static Path notAJar(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        return Files.writeString(jar, "this is not a zip file\n");
    }

    /**
     * ComfyUI API prompt: the demo checkpoint, 64×64, 2 euler steps, saved with {@code prefix}; with
     * {@code filterType} non-null, node 10 of that type sits between VAEDecode and SaveImage.
     */
    public static String txt2img(String prefix, String filterType) {
        String images = filterType == null ? "[\"8\", 0]" : "[\"10\", 0]";
        String filter = filterType == null ? "" : """
                  "10": {"class_type": "%s", "inputs": {"image": ["8", 0]}},
                """.formatted(filterType);
        return """
                {
                  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "noodle-demo-tiny-sd15.safetensors"}},
                  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a glass bottle", "clip": ["4", 1]}},
                  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}},
                  "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
                  "3": {"class_type": "KSampler", "inputs": {"seed": 7, "steps": 2, "cfg": 7.0,
                        "sampler_name": "euler", "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0],
                        "latent_image": ["5", 0], "denoise": 1.0, "model": ["4", 0]}},
                  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
                %s  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "%s", "images": %s}}
                }
                """.formatted(filter, prefix, images);
    }
}
