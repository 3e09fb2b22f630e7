package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Output previews copied from node values, shown on cards, and which images a before/after view compares. */
class ImagePreviewsTest {
    @Test
    void imagesAndMasksBecomeOwnedRgbCopiesImagesFirst() {
        // a batch of 2 images 2×1 and a mask 2×1
        float[] px = {1, 0, 0, 0, 0.5f, 1, /* second */ 0.2f, 0.2f, 0.2f, 1.5f, -1, Float.NaN};
        ImageValue img = new ImageValue(new HeapTensor(new long[] {2, 1, 2, 3}, px));
        MaskValue mask = new MaskValue(new HeapTensor(new long[] {1, 1, 2}, new float[] {0.25f, 1}));
        List<OutputPreviews.Preview> p = OutputPreviews.of(List.of(mask, "a latent", img));
        assertEquals(3, p.size());
        assertEquals(OutputPreviews.Kind.IMAGE, p.get(0).kind());
        assertEquals(2, p.get(0).output());
        assertEquals(0, p.get(0).index());
        assertEquals(2, p.get(0).count());
        assertEquals(0xFF0000, p.get(0).image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x0080FF, p.get(0).image().getRGB(1, 0) & 0xFFFFFF); // 127.5 rounds to 128
        assertEquals(0x333333, p.get(1).image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0xFF0000, p.get(1).image().getRGB(1, 0) & 0xFFFFFF, "clipped; NaN is black");
        assertEquals(OutputPreviews.Kind.MASK, p.get(2).kind());
        assertEquals(0, p.get(2).output());
        assertEquals(0x404040, p.get(2).image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0xFFFFFF, p.get(2).image().getRGB(1, 0) & 0xFFFFFF);
        px[0] = 0; // the preview is a copy: the value can go
        assertEquals(0xFF0000, p.get(0).image().getRGB(0, 0) & 0xFFFFFF);
    }

    @Test
    void largeOutputsAreSampledDownAndBatchesCapped() {
        int w = OutputPreviews.MAX_SIDE * 2;
        ImageValue big = new ImageValue(new HeapTensor(new long[] {1, 2, w, 3}, new float[2 * w * 3]));
        OutputPreviews.Preview p = OutputPreviews.of(List.of(big)).getFirst();
        assertEquals(OutputPreviews.MAX_SIDE, p.image().getWidth());
        assertEquals(1, p.image().getHeight());
        assertEquals(w, p.width(), "the full size is still known");
        MaskValue many = new MaskValue(new HeapTensor(new long[] {20, 1, 1}, new float[20]));
        assertEquals(OutputPreviews.MAX_PER_NODE, OutputPreviews.of(List.of(many)).size());
    }

    @Test
    void aCardShowsItsOutputsUnlessTheNodeShowedFilesOfItsOwn() {
        RunViewModel run = new RunViewModel();
        BufferedImage a = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        var preview = new OutputPreviews.Preview(0, OutputPreviews.Kind.IMAGE, 0, 1, 1, 1, a);
        run.apply(new RunEvent.NodeFinished("r", "8", 5, Map.of()), List.of(preview));
        assertEquals(List.of(a), run.states().get("8").images());
        assertEquals(List.of(preview), run.outputs().get("8"));
        assertTrue(run.gallery().isEmpty(), "intermediate images stay out of the gallery");
        Path file = Path.of("out.png");
        run.apply(new RunEvent.NodeFinished("r", "9", 5, Map.of("images", List.of(file))), List.of(preview));
        assertEquals(List.of(file), run.states().get("9").images());
        // a cached node shows what the cache holds
        run.apply(new RunEvent.NodeCached("r2", "8"), List.of(preview));
        assertEquals(NodeStatus.CACHED, run.states().get("8").status());
        assertSame(a, run.states().get("8").images().getFirst());
        run.clearNodes();
        assertTrue(run.outputs().isEmpty());
    }

    private static final Map<String, NodeSchema> SCHEMAS = new HashMap<>();

    private static void schema(String type, List<SocketInput<?>> in, PortType... out) {
        NodeSchema.Builder b = NodeSchema.builder(type).display(type).category("test");
        in.forEach(b::input);
        for (PortType t : out) {
            b.output(t, t.name());
        }
        SCHEMAS.put(type, b.build());
    }

    static {
        PortType latent = new PortType("LATENT");
        PortType vae = new PortType("VAE");
        schema("LoadImage", List.of(), PortType.IMAGE, new PortType("MASK"));
        schema("VAEEncodeForInpaint", List.of(SocketInput.of("pixels", PortType.IMAGE), SocketInput.of("vae", vae),
                SocketInput.of("mask", new PortType("MASK"))), latent);
        schema("VAEEncode", List.of(SocketInput.of("pixels", PortType.IMAGE), SocketInput.of("vae", vae)), latent);
        schema("SetLatentNoiseMask", List.of(SocketInput.of("samples", latent),
                SocketInput.of("mask", new PortType("MASK"))), latent);
        schema("KSampler", List.of(SocketInput.of("latent_image", latent)), latent);
        schema("VAEDecode", List.of(SocketInput.of("samples", latent), SocketInput.of("vae", vae)), PortType.IMAGE);
        schema("SaveImage", List.of(SocketInput.of("images", PortType.IMAGE)));
        schema("ImageUpscaleWithModel", List.of(SocketInput.of("upscale_model", new PortType("UPSCALE_MODEL")),
                SocketInput.of("image", PortType.IMAGE)), PortType.IMAGE);
        schema("ImageScaleBy", List.of(SocketInput.of("image", PortType.IMAGE)), PortType.IMAGE);
        schema("EmptyLatentImage", List.of(), latent);
    }

    private static Workflow graph(String... spec) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        for (String s : spec) { // "id type input=node.output ..."
            String[] parts = s.split(" ");
            Map<String, InputValue> inputs = new LinkedHashMap<>();
            for (int i = 2; i < parts.length; i++) {
                String[] kv = parts[i].split("[=.]");
                inputs.put(kv[0], new Link(kv[1], Integer.parseInt(kv[2])));
            }
            nodes.put(parts[0], NodeInstance.of(parts[0], parts[1], inputs));
        }
        return Workflow.empty("t").withNodes(nodes);
    }

    private static Optional<CompareSources.Comparison> find(Workflow wf, String id) {
        return CompareSources.find(wf, id, t -> Optional.ofNullable(SCHEMAS.get(t)));
    }

    @Test
    void anInpaintResultIsComparedWithTheImageTheInpaintEncoded() {
        Workflow wf = graph("20 LoadImage", "21 VAEEncodeForInpaint pixels=20.0 mask=20.1",
                "3 KSampler latent_image=21.0",
                "8 VAEDecode samples=3.0", "9 SaveImage images=8.0");
        var expected = new CompareSources.Comparison(CompareSources.Kind.INPAINT, "20", 0, "8", 0);
        assertEquals(Optional.of(expected), find(wf, "8"));
        assertEquals(Optional.of(expected), find(wf, "9"), "a Save Image compares the image it was given");
        assertEquals(Optional.empty(), find(wf, "20"));
        assertEquals(Optional.empty(), find(wf, "3"), "a latent is not an image");
        // SetLatentNoiseMask: the image behind the encoded latent
        Workflow noiseMask = graph("20 LoadImage", "5 VAEEncode pixels=20.0",
                "6 SetLatentNoiseMask samples=5.0 mask=20.1",
                "3 KSampler latent_image=6.0", "8 VAEDecode samples=3.0");
        assertEquals(Optional.of(new CompareSources.Comparison(CompareSources.Kind.INPAINT, "20", 0, "8", 0)),
                find(noiseMask, "8"));
        // txt2img: nothing to compare
        assertEquals(Optional.empty(), find(graph("5 EmptyLatentImage", "3 KSampler latent_image=5.0",
                "8 VAEDecode samples=3.0", "9 SaveImage images=8.0"), "9"));
    }

    @Test
    void anUpscaleIsComparedWithItsInput() {
        Workflow wf = graph("20 LoadImage", "30 ImageUpscaleWithModel image=20.0", "31 ImageScaleBy image=30.0",
                "9 SaveImage images=31.0");
        assertEquals(Optional.of(new CompareSources.Comparison(CompareSources.Kind.UPSCALE, "20", 0, "30", 0)),
                find(wf, "30"));
        assertEquals(Optional.of(new CompareSources.Comparison(CompareSources.Kind.UPSCALE, "30", 0, "31", 0)),
                find(wf, "31"));
        assertTrue(CompareSources.isUpscale("ImageScaleToTotalPixels"));
        assertEquals(Optional.empty(), find(graph("30 ImageUpscaleWithModel"), "30"), "no input wired");
        assertEquals(Optional.empty(), find(wf, "nope"));
        assertEquals(Optional.empty(), find(graph("1 Unknown"), "1"));
    }
}
