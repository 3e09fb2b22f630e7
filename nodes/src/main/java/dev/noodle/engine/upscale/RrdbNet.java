package dev.noodle.engine.upscale;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.runtime.Scopes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ESRGAN's RRDBNet (Wang et al. 2018, "ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks"), as
 * ESRGAN, BSRGAN, Real-ESRGAN and the community models built on them (4x-UltraSharp …) ship it:
 *
 * <pre>
 *   [pixel unshuffle by s]                      (Real-ESRGAN x2/x1: conv_first reads 3·s² channels)
 *   f = conv_first(x)
 *   f = f + conv_body(RRDB_nb(… RRDB_1(f)))     RRDB(x) = x + 0.2·RDB3(RDB2(RDB1(x)))
 *                                               RDB(x)  = x + 0.2·conv5([x, x1, x2, x3, x4]),
 *                                               x_k = lrelu(conv_k([x, x1 … x_{k−1}])), 32 grow channels
 *   f = lrelu(conv_up_i(nearest2x(f)))  for each of n up-convs
 *   y = conv_last(lrelu(conv_hr(f)))            LeakyReLU slope 0.2, all convs 3×3
 * </pre>
 *
 * Three key layouts name the same weights: the original ESRGAN sequential one ({@code model.0}, {@code
 * model.1.sub.N.RDB1.conv1.0}, {@code model.1.sub.<nb>}, up-convs {@code model.3}, {@code model.6} …, HR conv and
 * last conv after them), Real-ESRGAN's ({@code conv_first}, {@code body.N.rdb1.conv1}, {@code conv_body}, {@code
 * conv_up1}, {@code conv_hr}, {@code conv_last}) and BSRGAN's ({@code RRDB_trunk.N.RDB1.conv1}, {@code trunk_conv},
 * {@code upconv1}, {@code HRconv}). Thread-safe for forwards; {@link #close()} frees the weights.
 */
public final class RrdbNet implements UpscaleNet {
    static final float SLOPE = 0.2f;
    static final float RESIDUAL = 0.2f;

    /** The three ways files name the weights. */
    public enum Layout {
        /** The original ESRGAN {@code nn.Sequential}: model.0, model.1.sub.N.RDBk.convj.0, model.3 … */
        ESRGAN,
        /** Real-ESRGAN (BasicSR): conv_first, body.N.rdbk.convj, conv_body, conv_up1/2, conv_hr, conv_last. */
        REAL_ESRGAN,
        /** BSRGAN / RealSR: conv_first, RRDB_trunk.N.RDBk.convj, trunk_conv, upconv1/2, HRconv, conv_last. */
        BSRGAN;

        String first() {
            return this == ESRGAN ? "model.0" : "conv_first";
        }

        String rdb(int block, int rdb, int conv) {
            return switch (this) {
                case ESRGAN -> "model.1.sub." + block + ".RDB" + rdb + ".conv" + conv + ".0";
                case REAL_ESRGAN -> "body." + block + ".rdb" + rdb + ".conv" + conv;
                case BSRGAN -> "RRDB_trunk." + block + ".RDB" + rdb + ".conv" + conv;
            };
        }

        String trunk(int blocks) {
            return switch (this) {
                case ESRGAN -> "model.1.sub." + blocks;
                case REAL_ESRGAN -> "conv_body";
                case BSRGAN -> "trunk_conv";
            };
        }

        String up(int i) {
            return switch (this) {
                case ESRGAN -> "model." + 3 * i;
                case REAL_ESRGAN -> "conv_up" + i;
                case BSRGAN -> "upconv" + i;
            };
        }

        String hr(int ups) {
            return switch (this) {
                case ESRGAN -> "model." + (3 * ups + 2);
                case REAL_ESRGAN -> "conv_hr";
                case BSRGAN -> "HRconv";
            };
        }

        String last(int ups) {
            return this == ESRGAN ? "model." + (3 * ups + 4) : "conv_last";
        }

        Pattern blockPattern() {
            return Pattern.compile(switch (this) {
                case ESRGAN -> "model\\.1\\.sub\\.(\\d+)\\.RDB\\d\\.conv\\d\\.0\\.weight";
                case REAL_ESRGAN -> "body\\.(\\d+)\\.rdb\\d\\.conv\\d\\.weight";
                case BSRGAN -> "RRDB_trunk\\.(\\d+)\\.RDB\\d\\.conv\\d\\.weight";
            });
        }
    }

    /**
     * A network's configuration, detected from its keys and shapes.
     *
     * @param layout how the file names the weights
     * @param inChannels channels conv_first reads (3·s² after a pixel unshuffle by s)
     * @param outChannels channels conv_last writes (3)
     * @param features channels of the trunk (64 in the published models)
     * @param grow grow channels of each dense block (32)
     * @param blocks RRDB blocks (23 in the published models)
     * @param upConvs nearest-×2 up-convs (2 for ×4)
     * @param unshuffle pixel-unshuffle factor of the input (1, 2 or 4)
     */
    public record Config(Layout layout, int inChannels, int outChannels, int features, int grow, int blocks,
            int upConvs, int unshuffle) {
        /** The factor by which width and height grow. */
        public int scale() {
            return (1 << upConvs) / unshuffle;
        }

        /** Every key the network binds, with its shape, in forward order. */
        public Map<String, long[]> shapes() {
            Map<String, long[]> s = new LinkedHashMap<>();
            conv(s, layout.first(), features, inChannels);
            for (int b = 0; b < blocks; b++) {
                for (int r = 1; r <= 3; r++) {
                    for (int c = 1; c <= 5; c++) {
                        conv(s, layout.rdb(b, r, c), c < 5 ? grow : features, features + (c - 1) * grow);
                    }
                }
            }
            conv(s, layout.trunk(blocks), features, features);
            for (int i = 1; i <= upConvs; i++) {
                conv(s, layout.up(i), features, features);
            }
            conv(s, layout.hr(upConvs), features, features);
            conv(s, layout.last(upConvs), outChannels, features);
            return s;
        }

        private static void conv(Map<String, long[]> s, String name, long out, long in) {
            s.put(name + ".weight", UpscaleWeights.conv(out, in, 3));
            s.put(name + ".bias", new long[] {out});
        }

        @Override
        public String toString() {
            return "ESRGAN (" + layout + " layout, " + blocks + " blocks, " + features + " features, " + grow
                    + " grow channels, ×" + scale() + (unshuffle > 1 ? ", pixel-unshuffle " + unshuffle : "") + ")";
        }
    }

    private final Config config;
    private final NDManager owner;
    private final Map<String, NDArray> w;

    private RrdbNet(Config config, NDManager owner, Map<String, NDArray> w) {
        this.config = config;
        this.owner = owner;
        this.w = w;
    }

    /** Which layout the keys use, or null when they are not an RRDBNet. */
    static Layout layoutOf(Set<String> keys) {
        if (keys.contains("model.0.weight") && keys.contains("model.1.sub.0.RDB1.conv1.0.weight")) {
            return Layout.ESRGAN;
        }
        if (keys.contains("conv_first.weight") && keys.contains("body.0.rdb1.conv1.weight")) {
            return Layout.REAL_ESRGAN;
        }
        if (keys.contains("conv_first.weight") && keys.contains("RRDB_trunk.0.RDB1.conv1.weight")) {
            return Layout.BSRGAN;
        }
        return null;
    }

    /** Whether the keys are an RRDBNet in one of the three layouts. */
    public static boolean matches(Set<String> keys) {
        return layoutOf(keys) != null;
    }

    /** Detects the configuration from the keys and shapes; throws {@link ModelFormatException} naming the file. */
    public static Config detect(TensorSource source) {
        Set<String> keys = source.keys();
        Layout layout = layoutOf(keys);
        if (layout == null) {
            throw new ModelFormatException(source.describe() + " is not an ESRGAN (RRDBNet) model.");
        }
        if (layout == Layout.ESRGAN && keys.contains("model.1.sub.0.RDB1.conv1x1.weight")) {
            throw new ModelFormatException(source.describe() + " is an ESRGAN+ model (dense blocks with 1×1"
                    + " convolutions and noise), which Noodle does not read yet.");
        }
        String what = "an ESRGAN model";
        int blocks = 0;
        Pattern bp = layout.blockPattern();
        for (String k : keys) {
            Matcher m = bp.matcher(k);
            if (m.matches()) {
                blocks = Math.max(blocks, parse(m.group(1), source) + 1);
            }
        }
        int ups = 0;
        if (layout == Layout.ESRGAN) {
            int maxIndex = 0;
            Pattern top = Pattern.compile("model\\.(\\d+)\\.weight");
            for (String k : keys) {
                Matcher m = top.matcher(k);
                if (m.matches()) {
                    maxIndex = Math.max(maxIndex, parse(m.group(1), source));
                }
            }
            if (maxIndex < 4 || (maxIndex - 4) % 3 != 0) {
                throw new ModelFormatException(source.describe() + " looks like an ESRGAN model but its last"
                        + " layer is model." + maxIndex + ", which fits no ESRGAN scale (model.4 for ×1, model.7"
                        + " for ×2, model.10 for ×4). The file is damaged or another architecture.");
            }
            ups = (maxIndex - 4) / 3;
        } else {
            Pattern up = Pattern.compile((layout == Layout.REAL_ESRGAN ? "conv_up" : "upconv") + "(\\d+)\\.weight");
            for (String k : keys) {
                Matcher m = up.matcher(k);
                if (m.matches()) {
                    ups = Math.max(ups, parse(m.group(1), source));
                }
            }
        }
        if (ups > 4) {
            throw new ModelFormatException(source.describe() + " has " + ups + " up-convolutions (×" + (1L << ups)
                    + "); ESRGAN models upscale by at most ×16. The file is damaged.");
        }
        long[] first = UpscaleWeights.shape(source, layout.first() + ".weight", what);
        long[] grow = UpscaleWeights.shape(source, layout.rdb(0, 1, 1) + ".weight", what);
        long[] last = UpscaleWeights.shape(source, layout.last(ups) + ".weight", what);
        if (first.length != 4 || grow.length != 4 || last.length != 4) {
            throw new ModelFormatException(source.describe() + " looks like an ESRGAN model but its convolution"
                    + " weights are not 4-dimensional. The file is damaged.");
        }
        int in = (int) first[1];
        int out = (int) last[0];
        int unshuffle;
        if (in == out) {
            unshuffle = 1;
        } else if (in == out * 4) {
            unshuffle = 2;
        } else if (in == out * 16) {
            unshuffle = 4;
        } else {
            throw new ModelFormatException(source.describe() + " is an ESRGAN model reading " + in + " channels and"
                    + " writing " + out + ", which is no pixel-unshuffle of an image. The file is damaged.");
        }
        if (out != 3) {
            throw new ModelFormatException(source.describe() + " is an ESRGAN model for " + out + "-channel images;"
                    + " Noodle upscales RGB images with 3-channel models only.");
        }
        if ((1 << ups) < unshuffle) {
            throw new ModelFormatException(source.describe() + " unshuffles its input by " + unshuffle + " but has"
                    + " only " + ups + " up-convolutions, so it would shrink the image. The file is damaged.");
        }
        return new Config(layout, in, out, (int) first[0], (int) grow[0], blocks, ups, unshuffle);
    }

    private static int parse(String digits, TensorSource source) {
        try {
            int v = Integer.parseInt(digits);
            if (v > 10_000) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ModelFormatException(source.describe() + " has a layer index " + digits + " that is out of"
                    + " range. The file is damaged.");
        }
    }

    /** Detects the configuration, binds every weight strictly and loads them as float32 on {@code device}. */
    public static RrdbNet load(TensorSource source, Device device) {
        Config config = detect(source);
        return UpscaleWeights.owned(device, owner -> new RrdbNet(config, owner,
                UpscaleWeights.bind(source, config.shapes(), config.toString(), owner)));
    }

    /** The detected configuration. */
    public Config config() {
        return config;
    }

    @Override
    public String architecture() {
        return "ESRGAN";
    }

    @Override
    public int scale() {
        return config.scale();
    }

    @Override
    public int sizeMultiple() {
        return config.unshuffle();
    }

    private NDArray conv(String name, NDArray x) {
        return UpscaleOps.conv(x, w.get(name + ".weight"), w.get(name + ".bias"));
    }

    /** lrelu(conv(x)), freeing the convolution's output at once (at ×4 resolution it is the largest array). */
    private NDArray convLrelu(String name, NDArray x) {
        NDArray y = conv(name, x);
        NDArray a = UpscaleOps.leakyRelu(y, SLOPE);
        y.close();
        return a;
    }

    /** One residual dense block: x + 0.2·conv5([x, x1 … x4]), x_k = lrelu(conv_k([x, x1 … x_{k−1}])). */
    private NDArray rdb(NDArray x, int block, int r) {
        return UpscaleOps.scoped(() -> {
            NDList dense = new NDList(x);
            for (int c = 1; c <= 4; c++) {
                NDArray cat = c == 1 ? x : NDArrays.concat(dense, 1);
                NDArray y = UpscaleOps.leakyRelu(conv(config.layout().rdb(block, r, c), cat), SLOPE);
                dense.add(y);
            }
            NDArray x5 = conv(config.layout().rdb(block, r, 5), NDArrays.concat(dense, 1));
            return x5.muli(RESIDUAL).addi(x);
        });
    }

    /** One residual-in-residual dense block: x + 0.2·RDB3(RDB2(RDB1(x))). */
    private NDArray rrdb(NDArray x, int block) {
        return UpscaleOps.scoped(() -> {
            NDArray y = rdb(x, block, 1);
            y = rdb(y, block, 2);
            y = rdb(y, block, 3);
            return y.muli(RESIDUAL).addi(x);
        });
    }

    /** [B, 3, H, W] (H, W multiples of {@link #sizeMultiple()}) → [B, 3, H·scale, W·scale]. */
    @Override
    public NDArray forward(NDArray image, NDManager manager) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            Layout l = config.layout();
            NDArray x = config.unshuffle() > 1 ? UpscaleOps.pixelUnshuffle(image, config.unshuffle()) : image;
            NDArray fea = conv(l.first(), x); // [B, nf, h, w]
            NDArray body = fea;
            for (int b = 0; b < config.blocks(); b++) {
                NDArray next = rrdb(body, b);
                if (body != fea) {
                    body.close();
                }
                body = next;
            }
            NDArray trunk = conv(l.trunk(config.blocks()), body);
            body.close();
            fea = fea.addi(trunk);
            trunk.close();
            for (int i = 1; i <= config.upConvs(); i++) {
                NDArray up = UpscaleOps.upsampleNearest(fea, 2);
                fea.close();
                fea = convLrelu(l.up(i), up);
                up.close();
            }
            NDArray hr = convLrelu(l.hr(config.upConvs()), fea);
            fea.close();
            out = conv(l.last(config.upConvs()), hr);
            hr.close();
            NDScope.unregister(out);
        }
        out.attach(manager);
        return out;
    }

    @Override
    public long sizeBytes() {
        return Scopes.nativeBytes(w.values());
    }

    @Override
    public void close() {
        owner.close();
    }
}
