package dev.noodle.engine.unet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The block structure of an LDM {@code openaimodel.UNetModel} for one {@link UNetConfig}: which parts sit under
 * which key path and with how many channels. Both the parameter shapes and the forward pass are derived from this
 * one description, so they cannot disagree. Immutable.
 *
 * @param input {@code input_blocks.i}: conv-in, then per level ResBlocks (each with an optional transformer) and
 *     a Downsample between levels
 * @param middle {@code middle_block}: ResBlock, transformer, ResBlock (a single ResBlock when the middle depth is 0)
 * @param output {@code output_blocks.i}: per level (deepest first) ResBlocks on the concatenated skip, optional
 *     transformer, and an Upsample at the end of every level but the last
 */
record UNetLayout(List<List<Part>> input, List<Part> middle, List<List<Part>> output) {
    /** One module inside a block, with the key path of its parameters (relative to the UNet). */
    sealed interface Part permits Conv, Res, Transformer, Down, Up {
        String path();
    }

    /** A plain 3×3 convolution (conv-in). */
    record Conv(String path, int in, int out) implements Part {}

    /** ResBlock: in_layers (GN, SiLU, conv3×3), emb_layers (SiLU, linear), out_layers (GN, SiLU, conv3×3), skip. */
    record Res(String path, int in, int out) implements Part {}

    /** SpatialTransformer on {@code channels} channels with {@code heads} heads and {@code depth} blocks. */
    record Transformer(String path, int channels, int heads, int depth) implements Part {}

    /** Downsample: conv3×3 with stride 2 under {@code op}. */
    record Down(String path, int channels) implements Part {}

    /** Upsample: nearest 2× then conv3×3 under {@code conv}. */
    record Up(String path, int channels) implements Part {}

    /** Lays out the blocks exactly as LDM's {@code UNetModel.__init__} does. */
    static UNetLayout of(UNetConfig c) {
        int mc = c.modelChannels();
        List<List<Part>> in = new ArrayList<>();
        in.add(List.of(new Conv("input_blocks.0.0", c.inChannels(), mc)));
        List<Integer> skipChannels = new ArrayList<>(List.of(mc));
        int ch = mc;
        int levels = c.channelMult().length;
        int[] inputDepth = c.inputDepth();
        int[] outputDepth = c.outputDepth();
        for (int level = 0; level < levels; level++) {
            int out = mc * c.channelMult()[level];
            for (int r = 0; r < c.numResBlocks(); r++) {
                String p = "input_blocks." + in.size();
                List<Part> block = new ArrayList<>(List.of(new Res(p + ".0", ch, out)));
                ch = out;
                int depth = inputDepth[level * c.numResBlocks() + r];
                if (depth > 0) {
                    block.add(new Transformer(p + ".1", ch, c.heads(ch), depth));
                }
                in.add(List.copyOf(block));
                skipChannels.add(ch);
            }
            if (level != levels - 1) {
                in.add(List.of(new Down("input_blocks." + in.size() + ".0", ch)));
                skipChannels.add(ch);
            }
        }
        List<Part> middle = c.middleDepth() > 0
                ? List.of(new Res("middle_block.0", ch, ch),
                        new Transformer("middle_block.1", ch, c.heads(ch), c.middleDepth()),
                        new Res("middle_block.2", ch, ch))
                : List.of(new Res("middle_block.0", ch, ch));
        List<List<Part>> out = new ArrayList<>();
        for (int level = levels - 1; level >= 0; level--) {
            int target = mc * c.channelMult()[level];
            for (int r = 0; r <= c.numResBlocks(); r++) {
                String p = "output_blocks." + out.size();
                int skip = skipChannels.remove(skipChannels.size() - 1);
                List<Part> block = new ArrayList<>(List.of(new Res(p + ".0", ch + skip, target)));
                ch = target;
                int depth = outputDepth[out.size()];
                if (depth > 0) {
                    block.add(new Transformer(p + "." + block.size(), ch, c.heads(ch), depth));
                }
                if (level != 0 && r == c.numResBlocks()) {
                    block.add(new Up(p + "." + block.size(), ch));
                }
                out.add(List.copyOf(block));
            }
        }
        return new UNetLayout(List.copyOf(in), middle, List.copyOf(out));
    }

    /** Every parameter's key (relative to the UNet) and shape, in checkpoint order. */
    Map<String, long[]> shapes(UNetConfig c) {
        Map<String, long[]> s = encoderShapes(c);
        for (List<Part> block : output) {
            block.forEach(p -> add(s, p, c));
        }
        norm(s, "out.0", c.modelChannels());
        conv(s, "out.2", c.modelChannels(), c.outChannels(), 3);
        return s;
    }

    /**
     * The keys and shapes of the encoder half — time embedding, {@code label_emb}, input blocks and middle block —
     * in checkpoint order: what a ControlNet copies of its UNet.
     */
    Map<String, long[]> encoderShapes(UNetConfig c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        int mc = c.modelChannels();
        int te = c.timeEmbedDim();
        linear(s, "time_embed.0", mc, te);
        linear(s, "time_embed.2", te, te);
        if (c.hasLabelEmbedding()) {
            // label_emb = Sequential(Sequential(Linear(adm, te), SiLU, Linear(te, te)))
            linear(s, "label_emb.0.0", c.admInChannels(), te);
            linear(s, "label_emb.0.2", te, te);
        }
        for (List<Part> block : input) {
            block.forEach(p -> add(s, p, c));
        }
        middle.forEach(p -> add(s, p, c));
        return s;
    }

    private static void add(Map<String, long[]> s, Part part, UNetConfig c) {
        String p = part.path() + ".";
        switch (part) {
            case Conv cv -> conv(s, cv.path(), cv.in(), cv.out(), 3);
            case Res r -> {
                norm(s, p + "in_layers.0", r.in());
                conv(s, p + "in_layers.2", r.in(), r.out(), 3);
                linear(s, p + "emb_layers.1", c.timeEmbedDim(), r.out());
                norm(s, p + "out_layers.0", r.out());
                conv(s, p + "out_layers.3", r.out(), r.out(), 3);
                if (r.in() != r.out()) {
                    conv(s, p + "skip_connection", r.in(), r.out(), 1);
                }
            }
            case Transformer t -> {
                int ch = t.channels();
                norm(s, p + "norm", ch);
                projection(s, p + "proj_in", ch, ch, c.linearProjection());
                for (int d = 0; d < t.depth(); d++) {
                    String b = p + "transformer_blocks." + d + ".";
                    for (String attn : new String[] {"attn1", "attn2"}) {
                        int kv = attn.equals("attn1") ? ch : c.contextDim();
                        s.put(b + attn + ".to_q.weight", new long[] {ch, ch});
                        s.put(b + attn + ".to_k.weight", new long[] {ch, kv});
                        s.put(b + attn + ".to_v.weight", new long[] {ch, kv});
                        linear(s, b + attn + ".to_out.0", ch, ch);
                    }
                    linear(s, b + "ff.net.0.proj", ch, ch * 8);
                    linear(s, b + "ff.net.2", ch * 4, ch);
                    norm(s, b + "norm1", ch);
                    norm(s, b + "norm2", ch);
                    norm(s, b + "norm3", ch);
                }
                projection(s, p + "proj_out", ch, ch, c.linearProjection());
            }
            case Down d -> conv(s, p + "op", d.channels(), d.channels(), 3);
            case Up u -> conv(s, p + "conv", u.channels(), u.channels(), 3);
        }
    }

    private static void projection(Map<String, long[]> s, String key, int in, int out, boolean linear) {
        if (linear) {
            linear(s, key, in, out);
        } else {
            conv(s, key, in, out, 1);
        }
    }

    private static void linear(Map<String, long[]> s, String key, int in, int out) {
        s.put(key + ".weight", new long[] {out, in});
        s.put(key + ".bias", new long[] {out});
    }

    private static void conv(Map<String, long[]> s, String key, int in, int out, int k) {
        s.put(key + ".weight", new long[] {out, in, k, k});
        s.put(key + ".bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> s, String key, int ch) {
        s.put(key + ".weight", new long[] {ch});
        s.put(key + ".bias", new long[] {ch});
    }
}
