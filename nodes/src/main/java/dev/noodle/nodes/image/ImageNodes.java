package dev.noodle.nodes.image;

import dev.noodle.nodes.host.DemoInputs;
import dev.noodle.nodes.host.ImageFiles;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.host.PngWriter;
import dev.noodle.nodes.loaders.LoaderNodes;

import dev.noodle.engine.image.ImageTensors;
import dev.noodle.engine.image.LoadedImage;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** SaveImage, PreviewImage and LoadImage. */
public final class ImageNodes {
    private ImageNodes() {}

    static final SocketInput<ImageValue> IMAGES = SocketInput.of("images", PortType.IMAGE, ImageValue.class);

    /**
     * Writes a batch as PNGs named as ComfyUI does; returns the files. All or nothing: when the run is interrupted
     * between two images, or a write fails, the images already written by this call are deleted again, so an
     * interrupted or failed prompt leaves no partial batch looking like a finished one (bad-inputs row H8).
     */
    public static List<Path> save(NodeContext ctx, ImageValue images, Path root, String prefix) throws IOException {
        ImageFiles.SaveTarget t = ImageFiles.splitPrefix(root, prefix);
        Files.createDirectories(t.folder());
        PngWriter writer = ctx.service(PngWriter.class);
        List<Path> files = new ArrayList<>();
        synchronized (ImageNodes.class) { // counters must not collide between concurrent runs
            int counter = ImageFiles.nextCounter(t.folder(), t.name());
            boolean done = false;
            try {
                for (int i = 0; i < images.batch(); i++) {
                    ctx.cancellation().throwIfCancelled();
                    BufferedImage img = toBufferedImage(images, i);
                    Path file = t.folder().resolve(String.format("%s_%05d_.png", t.name(), counter++));
                    writer.write(img, file, ctx);
                    files.add(file);
                    ctx.progress(i + 1, images.batch());
                }
                done = true;
            } finally {
                if (!done) {
                    for (Path f : files) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }
        return files;
    }

    /** Image {@code i} of a batch as 8-bit RGB, or RGBA when the image carries alpha (as ComfyUI saves four channels). */
    static BufferedImage toBufferedImage(ImageValue images, int i) {
        int pixels = images.height() * images.width();
        float[] rgb = images.pixels().data();
        if (!images.hasAlpha()) {
            float[] one = java.util.Arrays.copyOfRange(rgb, i * pixels * 3, (i + 1) * pixels * 3);
            return ImageTensors.toBufferedImage(one, images.height(), images.width(), 3);
        }
        float[] alpha = images.alpha().data();
        float[] rgba = new float[pixels * 4];
        for (int p = 0; p < pixels; p++) {
            System.arraycopy(rgb, (i * pixels + p) * 3, rgba, p * 4, 3);
            rgba[p * 4 + 3] = alpha[i * pixels + p];
        }
        return ImageTensors.toBufferedImage(rgba, images.height(), images.width(), 4);
    }

    /** SaveImage: PNG files in the output folder, with the workflow in their metadata. */
    public static final class SaveImage extends Node {
        static final StringInput FILENAME_PREFIX = StringInput.of("filename_prefix", "ComfyUI");

        private final NodeEnvironment env;

        public SaveImage(NodeEnvironment env) {
            super(NodeSupport.schema("SaveImage", "Save Image", "image",
                            "Saves the images as PNG files in the output folder (prefix_00001_.png, counting up), with"
                                    + " the workflow inside so they can be opened again.")
                    .input(IMAGES)
                    .input(FILENAME_PREFIX)
                    .outputNode(true));
            this.env = env;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            ImageValue images = ctx.inputs().get(IMAGES);
            List<Path> files = save(ctx, images, env.outputDir(), ctx.inputs().get(FILENAME_PREFIX));
            return new NodeOutputs(List.of(), Map.of("images", files));
        }
    }

    /** PreviewImage: like SaveImage but into the temp folder, and never cached. */
    public static final class PreviewImage extends Node {
        private final NodeEnvironment env;

        public PreviewImage(NodeEnvironment env) {
            super(NodeSupport.schema("PreviewImage", "Preview Image", "image",
                            "Shows the images without keeping them (they go to the temp folder).")
                    .input(IMAGES)
                    .outputNode(true));
            this.env = env;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            ImageValue images = ctx.inputs().get(IMAGES);
            String prefix = "NoodleTemp_" + Long.toString(System.nanoTime() & 0xffffff, 36);
            return new NodeOutputs(List.of(), Map.of("images", save(ctx, images, env.tempDir(), prefix)));
        }
    }

    private static final java.util.regex.Pattern IMAGE_NAME =
            java.util.regex.Pattern.compile("(?i).*\\.(png|jpe?g|webp|bmp|gif)$");

    /**
     * The file a LoadImage value names, as ComfyUI's {@code folder_paths.get_annotated_filepath}: a trailing
     * {@code " [input]"}, {@code " [output]"} or {@code " [temp]"} picks the folder (the input folder otherwise), and
     * the rest is a path inside it, subfolders allowed ({@code clipspace/clipspace-mask-1.png [input]}, as ComfyUI's
     * mask editor sets it).
     *
     * @throws IllegalArgumentException when the name leads outside its folder
     */
    public static Path annotatedFile(NodeEnvironment env, String value) {
        return annotatedFile(env.inputDir(), env.outputDir(), env.tempDir(), value);
    }

    /** As {@link #annotatedFile(NodeEnvironment, String)} over these input, output and temp folders. */
    public static Path annotatedFile(Path inputDir, Path outputDir, Path tempDir, String value) {
        String name = value;
        Path root = inputDir;
        if (name.endsWith(" [input]")) {
            name = name.substring(0, name.length() - 8);
        } else if (name.endsWith(" [output]")) {
            name = name.substring(0, name.length() - 9);
            root = outputDir;
        } else if (name.endsWith(" [temp]")) {
            name = name.substring(0, name.length() - 7);
            root = tempDir;
        }
        root = root.toAbsolutePath().normalize();
        Path p;
        try {
            p = root.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("image '" + value + "' is not a valid file name: " + e.getReason());
        }
        if (name.isEmpty() || !p.startsWith(root) || p.equals(root) || Path.of(name).isAbsolute()) {
            throw new IllegalArgumentException("image '" + value + "' is outside the folder " + root);
        }
        return p;
    }

    /**
     * The {@code image} input of LoadImage and LoadImageMask: lists the input folder's images (and the example image,
     * made on first use) and, as ComfyUI's VALIDATE_INPUTS, accepts any existing image file a value names through
     * {@link #annotatedFile(NodeEnvironment, String)}, such as {@code clipspace/clipspace-mask-1.png [input]} from the
     * mask editor, without listing it. A fresh input per node instance: its options are this environment's folder.
     */
    public static ComboInput imageInput(NodeEnvironment env) {
        return ComboInput.open("image", new ComboInput.OpenOptions() {
            @Override
            public List<String> get() {
                return inputImages(env);
            }

            @Override
            public boolean accepts(String value) {
                try {
                    Path p = annotatedFile(env, value);
                    return Files.isRegularFile(p) && IMAGE_NAME.matcher(p.getFileName().toString()).matches();
                } catch (IllegalArgumentException e) {
                    return false;
                }
            }
        });
    }

    /** The image files of the input folder, sorted, and the example image (made on first use). */
    static List<String> inputImages(NodeEnvironment env) {
        List<String> names = new ArrayList<>();
        Path dir = env.inputDir();
        if (Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                        .filter(n -> IMAGE_NAME.matcher(n).matches()).sorted().forEach(names::add);
            } catch (IOException e) {
                // an unreadable folder lists nothing
            }
        }
        if (!names.contains(DemoInputs.INPAINT_EXAMPLE)) {
            names.add(DemoInputs.INPAINT_EXAMPLE); // generated on first use
        }
        return names;
    }

    /**
     * The file an {@link #imageInput(NodeEnvironment)} value names (see {@link #annotatedFile(NodeEnvironment,
     * String)}); the example image is written first when it is the one asked for.
     *
     * @throws IllegalArgumentException when the name leads outside its folder
     */
    public static Path inputImage(NodeEnvironment env, String value) {
        Path p = annotatedFile(env, value);
        try {
            if (p.equals(env.inputDir().toAbsolutePath().normalize().resolve(DemoInputs.INPAINT_EXAMPLE))) {
                DemoInputs.ensureIfDemo(env.inputDir(), DemoInputs.INPAINT_EXAMPLE); // also as "example [input]"
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not create the example image " + p, e);
        }
        return p;
    }

    /**
     * LoadImage: an image from the input folder, and its mask from the alpha channel (1 − alpha).
     *
     * <p>The {@code image} input is an instance constant, not a static one: its options are this environment's input
     * folder.
     */
    public static final class LoadImage extends Node {
        private final NodeEnvironment env;
        private final ComboInput image;

        public LoadImage(NodeEnvironment env) {
            this(env, imageInput(env));
        }

        private LoadImage(NodeEnvironment env, ComboInput image) {
            super(NodeSupport.schema("LoadImage", "Load Image", "image",
                            "Loads an image from the input folder; its transparent parts become the MASK.")
                    .input(image)
                    .output(PortType.IMAGE, "IMAGE")
                    .output(PortType.MASK, "MASK"));
            this.env = env;
            this.image = image;
        }

        private Path file(NodeInputs in) {
            return inputImage(env, in.get(image));
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs inputs) {
            return LoaderNodes.fileFingerprint(file(inputs));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            Path p = file(ctx.inputs());
            try (ai.djl.ndarray.NDManager m = NodeSupport.scope(ctx)) {
                LoadedImage img = LoadedImage.load(p, m);
                return NodeOutputs.of(new ImageValue(HeapTensor.of(img.image())), new MaskValue(HeapTensor.of(img.mask())));
            }
        }
    }
}
