package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.adapters.TinyLoras;
import dev.noodle.engine.control.TinyAdapters;
import dev.noodle.engine.control.TinyControlNets;
import dev.noodle.engine.ipadapter.IpAdapterFiles;
import dev.noodle.engine.ipadapter.IpAdapterLayout;
import dev.noodle.engine.ipadapter.IpAdapterModel;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.upscale.CompactNet;
import dev.noodle.engine.upscale.RandomUpscalers;
import dev.noodle.engine.vae.TaesdWriter;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.ModelKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of model file, written with random weights in its published layout, is identified with the right kind
 * and base model from the file alone; broken and hostile files get a reason, never an exception.
 */
class ModelIdentifierTest {
    @TempDir
    Path dir;

    private static Identification known(Path file) {
        IdentifyResult r = ModelIdentifier.identify(file);
        if (r instanceof Unidentified u) {
            throw new AssertionError(file.getFileName() + " was not identified: " + u.reason());
        }
        return (Identification) r;
    }

    private static void assertKind(ModelType type, BaseModel base, Path file) {
        Identification id = known(file);
        assertEquals(type, id.type(), file.getFileName() + ": " + id.describe());
        assertEquals(base, id.base(), file.getFileName() + ": " + id.describe() + " (" + id.evidence() + ")");
    }

    private static String unidentified(Path file) {
        IdentifyResult r = ModelIdentifier.identify(file);
        assertInstanceOf(Unidentified.class, r, file.getFileName() + " should not be identified");
        String reason = ((Unidentified) r).reason();
        assertTrue(reason.contains(file.getFileName().toString()), "names the file: " + reason);
        assertEquals(1, reason.lines().count(), reason);
        return reason;
    }

    @Test
    void checkpointsOfEachBaseAndAPonyTaggedSdxlCheckpoint() throws IOException {
        assertKind(ModelType.CHECKPOINT, BaseModel.SD1, DemoCheckpoint.ensure(dir.resolve("sd15.safetensors")));
        assertKind(ModelType.CHECKPOINT, BaseModel.SD2,
                TinyCheckpoints.write(dir.resolve("sd2.safetensors"), TinyCheckpoints.Kind.SD2));
        Identification v = known(TinyCheckpoints.write(dir.resolve("sd2v.safetensors"), TinyCheckpoints.Kind.SD2_V));
        assertEquals(BaseModel.SD2, v.base());
        assertEquals("v-prediction", v.variant());
        Path xl = TinyCheckpoints.write(dir.resolve("sdxl.safetensors"), TinyCheckpoints.Kind.SDXL);
        assertKind(ModelType.CHECKPOINT, BaseModel.SDXL, xl);
        assertKind(ModelType.CHECKPOINT, BaseModel.SDXL_REFINER,
                TinyCheckpoints.write(dir.resolve("refiner.safetensors"), TinyCheckpoints.Kind.SDXL_REFINER));
        Identification inpaint = known(TinyCheckpoints.write(dir.resolve("sd15-inpaint.safetensors"),
                TinyCheckpoints.Kind.SD1_INPAINT));
        assertEquals(BaseModel.SD1, inpaint.base());
        assertEquals("inpainting", inpaint.variant());
        Identification pony = known(LibraryFixtures.withMetadata(xl, dir.resolve("pony.safetensors"), Map.of(
                "modelspec.architecture", "stable-diffusion-xl-v1-base", "modelspec.title", "Pony Diffusion V6 XL")));
        assertEquals(BaseModel.PONY, pony.base());
        assertEquals("Pony Diffusion V6 XL", pony.title());
        assertEquals("checkpoint for Pony (SDXL)", pony.describe());
        // an SD 2.x checkpoint without v_pred is v-prediction when its model spec says so
        Identification spec = known(LibraryFixtures.withMetadata(dir.resolve("sd2.safetensors"),
                dir.resolve("sd2-768v.safetensors"), Map.of("modelspec.architecture", "stable-diffusion-v2-768-v")));
        assertEquals("v-prediction", spec.variant());
    }

    @Test
    void lorasOfEachBaseFromTheirShapes() throws IOException {
        var attention = LibraryFixtures.attention(List.of("attn2.to_k", "proj_in"));
        Identification sd1 = known(LibraryFixtures.kohyaLora(dir.resolve("sd15-lora.safetensors"),
                UNetConfig.sd15(), attention, 768, 12, Map.of()));
        assertEquals(ModelType.LORA, sd1.type());
        assertEquals(BaseModel.SD1, sd1.base(), sd1.evidence());
        assertKind(ModelType.LORA, BaseModel.SD2, LibraryFixtures.kohyaLora(dir.resolve("sd2-lora.safetensors"),
                UNetConfig.sd2(), attention, 1024, 23, Map.of()));
        assertKind(ModelType.LORA, BaseModel.SDXL, LibraryFixtures.kohyaLora(dir.resolve("sdxl-diffusers-names"
                + ".safetensors"), UNetConfig.sdxl(), LibraryFixtures.attention(List.of("attn2.to_k")), 0, 0,
                Map.of()));
        Path xl = LibraryFixtures.sdxlKohyaLora(dir.resolve("sdxl-lora.safetensors"), false, Map.of());
        Identification sdxl = known(xl);
        assertEquals("LoRA for SDXL", sdxl.describe());
        // a text-encoder-only SD 1.x LoRA is told by the 768-wide CLIP-L
        assertKind(ModelType.LORA, BaseModel.SD1, LibraryFixtures.kohyaLora(dir.resolve("te-only.safetensors"),
                UNetConfig.sd15(), k -> false, 768, 12, Map.of()));
        // LoCon: convolution factors with a 3x3 kernel
        Identification locon = known(LibraryFixtures.kohyaLora(dir.resolve("locon.safetensors"), UNetConfig.sd15(),
                LibraryFixtures.attention(List.of("attn2.to_k", "down_blocks.0.resnets.0.conv1")), 768, 1,
                Map.of()));
        assertEquals("LoCon", locon.variant());
    }

    @Test
    void lycorisPonyAndDeclaredBases() throws IOException {
        Identification loha = known(LibraryFixtures.sdxlKohyaLora(dir.resolve("loha.safetensors"), true, Map.of()));
        assertEquals(ModelType.LYCORIS, loha.type());
        assertEquals("LoHa", loha.variant());
        assertEquals(BaseModel.SDXL, loha.base());
        Identification pony = known(LibraryFixtures.sdxlKohyaLora(dir.resolve("pony-lora.safetensors"), false, Map.of(
                "ss_base_model_version", "sdxl_base_v1-0", "ss_network_module", "networks.lora",
                "ss_sd_model_name", "ponyDiffusionV6XL_v6StartWithThisOne.safetensors")));
        assertEquals(BaseModel.PONY, pony.base());
        assertTrue(pony.evidence().contains("ss_sd_model_name"), pony.evidence());
        // the demo UNet's few-step LoRA (PEFT names) shows SD 1.x's convolutional proj_in
        Path peft = TinyLoras.write(dir.resolve("peft.safetensors"), DemoCheckpoint.unetConfig(),
                TinyLoras.Layout.PEFT, 2, 2);
        assertEquals(BaseModel.SD1, known(peft).base(), known(peft).evidence());
        // a LoRA too small for its widths to tell: the kohya metadata names the base
        Path tiny = LibraryFixtures.kohyaLora(dir.resolve("tiny.safetensors"), DemoCheckpoint.unetConfig(),
                LibraryFixtures.attention(List.of("attn2.to_k")), 0, 0, Map.of());
        assertEquals(BaseModel.UNKNOWN, known(tiny).base());
        Identification declared = known(LibraryFixtures.withMetadata(tiny, dir.resolve("tiny-sd2.safetensors"),
                Map.of("ss_base_model_version", "sd_v2_v")));
        assertEquals(BaseModel.SD2, declared.base());
        assertEquals("ss_base_model_version sd_v2_v", declared.evidence());
        assertEquals("v-prediction", declared.variant());
        // metadata that contradicts the tensors is reported; the tensors win
        Identification contradicted = known(LibraryFixtures.kohyaLora(dir.resolve("mislabelled.safetensors"),
                UNetConfig.sd15(), LibraryFixtures.attention(List.of("attn2.to_k")), 768, 1,
                Map.of("ss_base_model_version", "sdxl_base_v1-0")));
        assertEquals(BaseModel.SD1, contradicted.base());
        assertEquals(1, contradicted.warnings().size(), contradicted.warnings().toString());
        // a LoRA for a model Noodle does not run is refused with the reason
        Path flux = LibraryFixtures.withMetadata(tiny, dir.resolve("flux-lora.safetensors"),
                Map.of("modelspec.architecture", "flux-1-dev/lora"));
        assertTrue(unidentified(flux).contains("flux-1-dev"));
    }

    @Test
    void olderDiffusersNamesAndLorasForModelsNoodleDoesNotRun() throws IOException {
        // diffusers' attention-processor LoRA names (ComfyUI lora.py: "{}_lora.up.weight")
        String p = "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.processor.to_k_lora.";
        assertKind(ModelType.LORA, BaseModel.SD1, LibraryFixtures.tensors(dir.resolve("diffusers-lora.safetensors"),
                Map.of(p + "down.weight", new long[] {4, 768}, p + "up.weight", new long[] {320, 4}), Map.of()));
        String flux = "lora_unet_double_blocks_0_img_attn_proj";
        assertTrue(unidentified(LibraryFixtures.tensors(dir.resolve("flux-style.safetensors"), Map.of(
                flux + ".lora_down.weight", new long[] {4, 3072}, flux + ".lora_up.weight", new long[] {3072, 4}),
                Map.of())).contains("Flux"));
        assertTrue(unidentified(LibraryFixtures.tensors(dir.resolve("cascade.safetensors"), Map.of(
                "lora_prior_unet_down_blocks_0_0_attention_attn_out_proj.lora_down.weight", new long[] {4, 16}),
                Map.of())).contains("Stable Cascade"));
    }

    /** Files saved by real torch (nodes' pickle fixtures, made by make_pickle_fixtures.py). */
    static final Path TORCH_FIXTURES = Path.of("src/test/resources/dev/noodle/engine/io/pickle");

    @Test
    void filesSavedByTorchAndALightningCheckpoint() throws IOException {
        // modules for both the 768 (SD 1.x) and 1024 (SD 2.x) context: it fits either, so no base is claimed
        assertKind(ModelType.HYPERNETWORK, BaseModel.UNKNOWN, TORCH_FIXTURES.resolve("hypernetwork.pt"));
        assertEquals(ModelType.EMBEDDING, known(TORCH_FIXTURES.resolve("embedding.pt")).type());
        assertEquals(ModelType.EMBEDDING, known(TORCH_FIXTURES.resolve("embedding_pd.pt")).type(),
                "string_to_param as an nn.ParameterDict");
        assertTrue(unidentified(Files.copy(TORCH_FIXTURES.resolve("legacy.pt"), dir.resolve("legacy.pt")))
                .contains("legacy"));
        // an SD 1.x .ckpt as the original repositories saved them: {"state_dict": {...}, "global_step": N}
        Path st = DemoCheckpoint.ensure(dir.resolve("demo.safetensors"));
        java.util.Map<String, Object> sd = new java.util.LinkedHashMap<>();
        try (var f = dev.noodle.engine.io.SafetensorsFile.open(st)) {
            for (String k : f.keys()) {
                sd.put(k, new dev.noodle.engine.io.pickle.TorchPickleWriter.Tensor(f.info(k).shape(),
                        f.loadFloats(k)));
            }
        }
        Path ckpt = dir.resolve("v1-5-like.ckpt");
        dev.noodle.engine.io.pickle.TorchPickleWriter.write(ckpt, java.util.Map.of("state_dict", sd,
                "global_step", 840000));
        assertKind(ModelType.CHECKPOINT, BaseModel.SD1, ckpt);
    }

    @Test
    void embeddingsAndHypernetworks() throws IOException {
        assertKind(ModelType.EMBEDDING, BaseModel.SD1, LibraryFixtures.embedding(dir.resolve("e1.safetensors"), 768,
                false));
        assertKind(ModelType.EMBEDDING, BaseModel.SD2, LibraryFixtures.embedding(dir.resolve("e2.safetensors"), 1024,
                false));
        assertKind(ModelType.EMBEDDING, BaseModel.SDXL, LibraryFixtures.embedding(dir.resolve("exl.safetensors"), 0,
                true));
        assertKind(ModelType.EMBEDDING, BaseModel.SD1, LibraryFixtures.a1111Embedding(dir.resolve("style.pt"), 768));
        assertKind(ModelType.EMBEDDING, BaseModel.SD2, LibraryFixtures.a1111Embedding(dir.resolve("style2.pt"), 1024));
        Path hn1 = dir.resolve("hn1.pt");
        DemoAddons.ensureHypernetwork(hn1, 768);
        assertKind(ModelType.HYPERNETWORK, BaseModel.SD1, hn1);
        Path hn2 = dir.resolve("hn2.pt");
        DemoAddons.ensureHypernetwork(hn2, 1024);
        assertKind(ModelType.HYPERNETWORK, BaseModel.SD2, hn2);
    }

    private static UNetConfig withContext(UNetConfig c, int context, boolean linear) {
        return new UNetConfig(c.inChannels(), c.outChannels(), c.modelChannels(), c.channelMult(), c.numResBlocks(),
                c.inputDepth(), c.middleDepth(), c.outputDepth(), c.numHeads(), c.headChannels(), context, linear,
                c.admInChannels());
    }

    @Test
    void controlNetsAdaptersAndIpAdapters() throws IOException {
        UNetConfig demo = TinyControlNets.demoConfig();
        assertKind(ModelType.CONTROLNET, BaseModel.SD1, TinyControlNets.write(dir.resolve("cn15.safetensors"),
                withContext(demo, 768, false), TinyControlNets.Layout.SAFETENSORS, 1));
        assertKind(ModelType.CONTROLNET, BaseModel.SD1, TinyControlNets.write(dir.resolve("cn15.pth"),
                withContext(demo, 768, false), TinyControlNets.Layout.PTH, 1));
        assertKind(ModelType.CONTROLNET, BaseModel.SD2, TinyControlNets.write(dir.resolve("cn21.safetensors"),
                withContext(demo, 1024, true), TinyControlNets.Layout.PRUNED_FP16, 1));
        assertKind(ModelType.T2I_ADAPTER, BaseModel.SD1, TinyAdapters.write(dir.resolve("t2i15.safetensors"),
                TinyAdapters.sd1(3), TinyAdapters.Format.SAFETENSORS, 1));
        assertKind(ModelType.T2I_ADAPTER, BaseModel.SD1, TinyAdapters.write(dir.resolve("t2i15-wrapped.pth"),
                TinyAdapters.sd1(1), TinyAdapters.Format.PTH_WRAPPED, 1));
        assertKind(ModelType.T2I_ADAPTER, BaseModel.SDXL, TinyAdapters.write(dir.resolve("t2ixl.safetensors"),
                TinyAdapters.sdxl(3), TinyAdapters.Format.DIFFUSERS, 1));
        Path ip15 = dir.resolve("ip-adapter_sd15.safetensors");
        IpAdapterFiles.writeSafetensors(ip15, new IpAdapterLayout(IpAdapterModel.Projection.LINEAR, 8, 768, 2, 0, 0, 0,
                0, new int[] {8, 16}), 1);
        assertKind(ModelType.IP_ADAPTER, BaseModel.SD1, ip15);
        Path ipxl = dir.resolve("ip-adapter_sdxl.bin");
        IpAdapterFiles.writeBin(ipxl, new IpAdapterLayout(IpAdapterModel.Projection.LINEAR, 8, 2048, 2, 0, 0, 0, 0,
                new int[] {8, 16}), 1);
        assertKind(ModelType.IP_ADAPTER, BaseModel.SDXL, ipxl);
    }

    @Test
    void taesdUpscalersAndTheDemoAddons() throws IOException {
        Identification xl = known(TaesdWriter.write(dir.resolve("taesdxl_decoder.safetensors"),
                TaesdWriter.Part.DECODER, 1));
        assertEquals(ModelType.TAESD, xl.type());
        assertEquals(BaseModel.SDXL, xl.base());
        assertEquals("decoder", xl.variant());
        assertKind(ModelType.TAESD, BaseModel.SD1, TaesdWriter.write(dir.resolve("taesd_encoder.pth"),
                TaesdWriter.Part.ENCODER, 1));
        Identification compact = known(RandomUpscalers.write(dir.resolve("realesr-general-x4v3.pth"),
                new CompactNet.Config(8, 2, 4), RandomUpscalers.Container.PTH, 1));
        assertEquals(ModelType.UPSCALER, compact.type());
        assertEquals("Compact", compact.variant());
        assertEquals("upscaler (Compact)", compact.describe());
        Path models = dir.resolve("models");
        DemoAddons.ensure(models);
        Map<String, ModelType> expected = Map.of(
                ModelKind.LORAS.folder() + "/" + DemoAddons.LORA, ModelType.LORA,
                ModelKind.EMBEDDINGS.folder() + "/" + DemoAddons.EMBEDDING, ModelType.EMBEDDING,
                ModelKind.VAE.folder() + "/" + DemoAddons.VAE, ModelType.VAE,
                ModelKind.HYPERNETWORKS.folder() + "/" + DemoAddons.HYPERNETWORK, ModelType.HYPERNETWORK,
                ModelKind.CONTROLNET.folder() + "/" + DemoAddons.CONTROLNET, ModelType.CONTROLNET,
                ModelKind.CLIP_VISION.folder() + "/" + DemoAddons.CLIP_VISION, ModelType.CLIP_VISION,
                ModelKind.STYLE_MODELS.folder() + "/" + DemoAddons.STYLE_MODEL, ModelType.STYLE_MODEL,
                ModelKind.UPSCALE_MODELS.folder() + "/" + DemoAddons.UPSCALER, ModelType.UPSCALER,
                ModelKind.CHECKPOINTS.folder() + "/" + DemoCheckpoint.FILE_NAME, ModelType.CHECKPOINT);
        expected.forEach((path, type) -> assertEquals(type, known(models.resolve(path)).type(), path));
        assertEquals(BaseModel.SD1, known(models.resolve("checkpoints").resolve(DemoCheckpoint.FILE_NAME)).base());
    }

    @Test
    void brokenAndHostileFilesGetAReasonNotAnException() throws IOException {
        unidentified(Files.write(dir.resolve("empty.safetensors"), new byte[0]));
        unidentified(Files.write(dir.resolve("seven.safetensors"), new byte[7]));
        assertTrue(unidentified(Files.writeString(dir.resolve("login.safetensors"),
                "<!DOCTYPE html><html><body>Sign in</body></html>")).contains("web page"));
        Path lora = LibraryFixtures.sdxlKohyaLora(dir.resolve("whole.safetensors"), false, Map.of());
        byte[] bytes = Files.readAllBytes(lora);
        unidentified(Files.write(dir.resolve("half.safetensors"), Arrays.copyOf(bytes, bytes.length / 2)));
        unidentified(Files.write(dir.resolve("header-cut.safetensors"), Arrays.copyOf(bytes, 40)));
        byte[] random = new byte[4096];
        new java.util.Random(7).nextBytes(random);
        unidentified(Files.write(dir.resolve("noise.ckpt"), random));
        assertTrue(unidentified(LibraryFixtures.tensors(dir.resolve("other.safetensors"),
                Map.of("foo.weight", new long[] {2, 2}), Map.of())).contains("no model Noodle recognises"));
        assertTrue(unidentified(LibraryFixtures.tensors(dir.resolve("unet-only.safetensors"),
                Map.of("input_blocks.0.0.weight", new long[] {4, 4, 3, 3}), Map.of())).contains("UNet-only"));
        // a pickle that would run os.system when unpickled by torch.load: refused, never executed
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write("\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R.".getBytes(StandardCharsets.ISO_8859_1));
            z.closeEntry();
        }
        unidentified(Files.write(dir.resolve("evil.ckpt"), zip.toByteArray()));
        unidentified(dir.resolve("missing.safetensors"));
    }
}
