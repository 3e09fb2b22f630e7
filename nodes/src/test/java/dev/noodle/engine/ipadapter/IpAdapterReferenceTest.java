package dev.noodle.engine.ipadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.unet.TransformerSite;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IP-Adapter projections and the attn2 term against an independent torch re-statement of the published modules
 * and of the pack's {@code ipadapter_attention} (nodes/src/test/python/ipadapter_reference.py), on the same tiny
 * random weights: a plain adapter saved by {@code torch.save} as the .bin downloads are, a Resampler (plus) and an
 * MLP (full-face) one as safetensors.
 */
class IpAdapterReferenceTest {
    static SafetensorsFile expected;
    static NDManager m;

    /**
     * A UNet whose attn2 layers are, in the adapter's file order, input_blocks.1 (32 wide, transformer 0),
     * output_blocks.2 (32, transformer 2) and the middle block (64, transformer 1): the fixtures' widths.
     */
    static final UNetConfig UNET = new UNetConfig(4, 4, 32, new int[] {1, 2}, 1, new int[] {1, 0}, 1,
            new int[] {0, 0, 1, 0}, -1, 16, 24, false, 0);
    static final TransformerSite INPUT = new TransformerSite("input_blocks.1.1.transformer_blocks.0", "input", 1, 0,
            2, Attention.Mode.FALLBACK);
    static final TransformerSite OUTPUT = new TransformerSite("output_blocks.2.1.transformer_blocks.0", "output", 2,
            0, 2, Attention.Mode.FALLBACK);
    static final TransformerSite MIDDLE = new TransformerSite("middle_block.1.transformer_blocks.0", "middle", 0, 0,
            4, Attention.Mode.FALLBACK);

    static Path resource(String name) throws Exception {
        return Path.of(IpAdapterReferenceTest.class.getResource(name).toURI());
    }

    @BeforeAll
    static void open() throws Exception {
        expected = SafetensorsFile.open(resource("ipa_expected.safetensors"));
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        m.close();
        expected.close();
    }

    static NDArray ref(String key) {
        return expected.load(key, m, DataType.FLOAT32);
    }

    static void assertClose(NDArray want, NDArray got, double tol, String what) {
        assertEquals(want.getShape(), got.getShape(), what + " shape");
        float[] a = want.toFloatArray();
        float[] b = got.toType(DataType.FLOAT32, false).toFloatArray();
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertTrue(worst < tol, what + ": max |diff| " + worst);
    }

    @Test
    void plainBinFromTorchSaveProjectsLikeImageProjModel() throws Exception {
        try (IpAdapterModel ipa = IpAdapterFiles.load(resource("ipa_plain.bin"))) {
            IpAdapterLayout l = ipa.layout();
            assertEquals(IpAdapterModel.Projection.LINEAR, l.projection());
            assertEquals(16, l.clipDim());
            assertEquals(24, l.tokenDim());
            assertEquals(4, l.tokens());
            assertEquals(3, l.layers());
            assertTrue(!ipa.usesHiddenStates());
            assertClose(ref("out.plain"), ipa.project(ref("in.embeds"), m), 1e-5, "plain projection");
        }
    }

    @Test
    void plusProjectsLikeTheResampler() throws Exception {
        try (IpAdapterModel ipa = IpAdapterFiles.load(resource("ipa_plus.safetensors"))) {
            IpAdapterLayout l = ipa.layout();
            assertEquals(IpAdapterModel.Projection.RESAMPLER, l.projection());
            assertEquals(2, l.resamplerDepth());
            assertEquals(128, l.resamplerInner());
            assertEquals(4, l.tokens());
            assertTrue(ipa.usesHiddenStates());
            assertClose(ref("out.plus"), ipa.project(ref("in.hidden_plus"), m), 1e-4, "resampler");
        }
    }

    @Test
    void fullFaceProjectsLikeTheMlp() throws Exception {
        try (IpAdapterModel ipa = IpAdapterFiles.load(resource("ipa_full.safetensors"))) {
            assertEquals(IpAdapterModel.Projection.MLP, ipa.layout().projection());
            assertClose(ref("out.full"), ipa.project(ref("in.hidden_full"), m), 1e-5, "mlp projection");
        }
    }

    // The term the patch adds at `site`, for rows [positive, positive, negative, negative].
    static NDArray term(IpAdapterPatch patch, TransformerSite site, int h, int w, float sigma) {
        NDArray x = m.zeros(new Shape(4, 4, h, w));
        UNetPatches p = patch.prepare(new UNetPatchSource.Call(x, new float[4], sigma, m.zeros(new Shape(4, 3, 24)),
                null, new int[] {0, 0, 1, 1}), m);
        if (p == UNetPatches.NONE) {
            return null;
        }
        return p.crossAttention().get(0).extra(site, ref("in.q"), null);
    }

    static IpAdapterPatch patch(IpAdapterModel ipa, String type, IpAdapterPatch.Scaling s, IpAdapterPatch.Mask mask) {
        return new IpAdapterPatch(ipa, UNET, ref("in.cond"), ref("in.uncond"), type, 0.7f, 0.7f, 20f, 0.5f, s, mask);
    }

    @Test
    void attentionTermMatchesThePackForEveryScaling() throws Exception {
        try (IpAdapterModel ipa = IpAdapterFiles.load(resource("ipa_plus.safetensors"))) {
            for (IpAdapterPatch.Scaling s : IpAdapterPatch.Scaling.values()) {
                try (IpAdapterPatch p = patch(ipa, "linear", s, null)) {
                    assertClose(ref("site.layer0." + s.label()), term(p, INPUT, 4, 6, 1f), 1e-5, s.label());
                    assertNull(p.prepare(call(), m).crossAttention().get(0).extra(MIDDLE, ref("in.q"), null),
                            "the middle block is left alone, as in ComfyUI with the pack");
                }
            }
        }
    }

    static UNetPatchSource.Call call() {
        return new UNetPatchSource.Call(m.zeros(new Shape(4, 4, 4, 6)), new float[4], 1f,
                m.zeros(new Shape(4, 3, 24)), null, new int[] {0, 0, 1, 1});
    }

    @Test
    void weightTypesSwapsAndMasksMatchThePack() throws Exception {
        try (IpAdapterModel ipa = IpAdapterFiles.load(resource("ipa_plus.safetensors"))) {
            try (IpAdapterPatch p = patch(ipa, "ease in", IpAdapterPatch.Scaling.V_ONLY, null)) {
                assertClose(ref("site.layer1.ease_in"), term(p, OUTPUT, 4, 6, 1f), 1e-5, "ease in at transformer 2");
                assertClose(ref("site.layer0.V only"), term(p, INPUT, 4, 6, 1f), 1e-5, "ease in at transformer 0");
            }
            try (IpAdapterPatch p = patch(ipa, "composition precise", IpAdapterPatch.Scaling.V_ONLY, null)) {
                assertClose(ref("site.layer0.swap"), term(p, INPUT, 4, 6, 1f), 1e-5, "composition precise swap");
            }
            NDArray mk = ref("in.mask");
            IpAdapterPatch.Mask mask = new IpAdapterPatch.Mask(1, 7, 9, mk.toFloatArray());
            try (IpAdapterPatch p = patch(ipa, "linear", IpAdapterPatch.Scaling.V_ONLY, mask)) {
                assertClose(ref("site.layer0.mask"), term(p, INPUT, 4, 6, 1f), 1e-5, "attn_mask");
            }
        }
    }

    @Test
    void actsOnlyInsideItsSigmaRange() throws Exception {
        try (IpAdapterModel ipa = IpAdapterFiles.load(resource("ipa_plus.safetensors"));
                IpAdapterPatch p = patch(ipa, "linear", IpAdapterPatch.Scaling.V_ONLY, null)) {
            assertNotNull(term(p, INPUT, 4, 6, 20f), "σ = σ(start_at) is inside");
            assertNotNull(term(p, INPUT, 4, 6, 0.5f), "σ = σ(end_at) is inside");
            assertNull(term(p, INPUT, 4, 6, 20.5f), "above σ(start_at)");
            assertNull(term(p, INPUT, 4, 6, 0.4f), "below σ(end_at)");
            assertSame(UNetPatches.NONE, p.prepare(new UNetPatchSource.Call(m.zeros(new Shape(4, 4, 4, 6)),
                    new float[4], 30f, m.zeros(new Shape(4, 3, 24)), null, new int[] {0, 0, 1, 1}), m));
        }
    }
}
