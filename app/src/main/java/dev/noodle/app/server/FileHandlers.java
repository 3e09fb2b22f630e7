package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.io.AtomicFiles;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /view}, {@code POST /upload/image} and {@code POST /upload/mask}: files in the output, input and temp
 * folders only (see
 * {@link FileRoots}). Raster images are served inline; anything else as an attachment with {@code nosniff}, so a
 * browser never renders uploaded HTML or SVG from this origin. Thread-safe.
 */
final class FileHandlers {
    private static final Map<String, String> IMAGE_TYPES = Map.of(
            "png", "image/png", "jpg", "image/jpeg", "jpeg", "image/jpeg", "webp", "image/webp",
            "gif", "image/gif", "bmp", "image/bmp");
    private static final int MAX_NAME = 255;
    private static final int MAX_COLLISIONS = 10_000;

    private final FileRoots roots;
    private final ObjectMapper mapper;
    private final long maxUpload;

    /** Files kept elsewhere too: on a coordinator, the broker's object store (see {@link BrokerOutputs}). */
    interface RemoteFiles {
        /** Copies a file this machine lacks into its folder; false when it is not there either. */
        boolean fetch(String type, String subfolder, String filename);

        /** Shares a file just uploaded here with the workers. */
        void uploaded(String type, String subfolder, String filename, Path file) throws IOException;
    }

    private volatile RemoteFiles remote;

    /** Serves files the workers produced and shares uploads with them. */
    void useRemote(RemoteFiles files) {
        this.remote = files;
    }

    FileHandlers(FileRoots roots, ObjectMapper mapper, long maxUpload) {
        this.roots = roots;
        this.mapper = mapper;
        this.maxUpload = maxUpload;
    }

    /** {@code GET /view?filename=&subfolder=&type=}. */
    void view(Context ctx) throws IOException {
        Path file;
        try {
            file = roots.resolveExisting(ctx.queryParam("type"), ctx.queryParam("subfolder"),
                    ctx.queryParam("filename"));
        } catch (FileRoots.PathRefused e) {
            RemoteFiles r = remote;
            if (e.status() != 404 || r == null || !r.fetch(ctx.queryParam("type"), ctx.queryParam("subfolder"),
                    ctx.queryParam("filename"))) {
                Http.text(ctx, e.status(), e.getMessage());
                return;
            }
            try {
                file = roots.resolveExisting(ctx.queryParam("type"), ctx.queryParam("subfolder"),
                        ctx.queryParam("filename"));
            } catch (FileRoots.PathRefused again) {
                Http.text(ctx, again.status(), again.getMessage());
                return;
            }
        }
        String name = file.getFileName().toString();
        String image = IMAGE_TYPES.get(extension(name));
        ctx.header("X-Content-Type-Options", "nosniff");
        String quoted = name.replaceAll("[\"\\\\\\r\\n]", "_");
        if (image != null) {
            ctx.contentType(image);
            ctx.header("Content-Disposition", "inline; filename=\"" + quoted + "\"");
        } else {
            ctx.contentType("application/octet-stream");
            ctx.header("Content-Disposition", "attachment; filename=\"" + quoted + "\"");
        }
        ctx.header("Content-Length", Long.toString(Files.size(file)));
        ctx.result(Files.newInputStream(file));
    }

    /** {@code POST /upload/image} (multipart: {@code image}, {@code overwrite}, {@code type}, {@code subfolder}). */
    void upload(Context ctx) throws IOException {
        upload(ctx, null);
    }

    /**
     * {@code POST /upload/mask}, as ComfyUI's mask editor uses it: the fields of {@code /upload/image} plus
     * {@code original_ref} ({@code {"filename", "subfolder", "type"}}, the filename possibly annotated
     * {@code "x.png [input]"}, the type {@code output} when absent). What is stored is the original image with the
     * uploaded image's alpha channel (the mask: alpha = 1 − mask) put in place of its own.
     */
    void uploadMask(Context ctx) throws IOException {
        upload(ctx, bytes -> {
            String ref = ctx.formParam("original_ref");
            if (ref == null || ref.isBlank()) {
                throw new FileRoots.PathRefused(400, "no original_ref: which image is the mask for?");
            }
            com.fasterxml.jackson.databind.JsonNode json;
            try {
                json = mapper.readTree(ref);
            } catch (IOException e) {
                throw new FileRoots.PathRefused(400, "original_ref is not JSON: " + e.getMessage());
            }
            String filename = json.path("filename").asText("");
            String type = json.path("type").asText("output");
            String subfolder = json.path("subfolder").asText("");
            for (String t : new String[] {"input", "output", "temp"}) {
                if (filename.endsWith(" [" + t + "]")) { // an annotated name picks its folder, as ComfyUI's does
                    filename = filename.substring(0, filename.length() - t.length() - 3);
                    type = t;
                }
            }
            int slash = filename.lastIndexOf('/');
            if (slash > 0) { // "clipspace/x.png": the folder part joins the subfolder
                subfolder = subfolder.isEmpty() ? filename.substring(0, slash)
                        : subfolder + "/" + filename.substring(0, slash);
                filename = filename.substring(slash + 1);
            }
            Path original = roots.resolveExisting(type, subfolder, filename);
            return MaskImages.withAlphaOf(original, bytes, MAX_MASK_PIXELS);
        });
    }

    /** Largest image {@code /upload/mask} decodes (width × height), as LoadImage's limit. */
    static final long MAX_MASK_PIXELS = 2L * 89_478_485L;

    /** Turns the uploaded bytes into the bytes stored. */
    @FunctionalInterface
    interface Transform {
        byte[] apply(byte[] uploaded) throws FileRoots.PathRefused, IOException;
    }

    private void upload(Context ctx, Transform transform) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxUpload) {
            Http.text(ctx, 413, "upload is larger than the " + (maxUpload >> 20) + " MiB limit");
            return;
        }
        UploadedFile part;
        String overwrite;
        String type;
        String subfolder;
        try {
            part = ctx.uploadedFile("image");
            overwrite = ctx.formParam("overwrite");
            type = ctx.formParam("type");
            subfolder = ctx.formParam("subfolder");
        } catch (RuntimeException e) { // the multipart parser refuses parts over the configured size
            if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("size")
                    || e.getCause() instanceof IllegalStateException) {
                Http.text(ctx, 413, "upload is larger than the " + (maxUpload >> 20) + " MiB limit");
            } else {
                Http.text(ctx, 400, "could not read the multipart upload: " + e.getMessage());
            }
            return;
        }
        if (part == null || part.filename() == null || part.filename().isBlank()) {
            Http.text(ctx, 400, "no file in the 'image' field");
            return;
        }
        if (part.size() > maxUpload) {
            Http.text(ctx, 413, "upload is larger than the " + (maxUpload >> 20) + " MiB limit");
            return;
        }
        String name = part.filename();
        try {
            FileRoots.checkName(name, false);
            if (name.startsWith(".") || name.length() > MAX_NAME) {
                throw new FileRoots.PathRefused(400, "file names may not start with '.' or exceed 255 characters");
            }
            String typeName = type == null || type.isBlank() ? "input" : type.toLowerCase(Locale.ROOT);
            Path dir = roots.writableFolder(typeName, subfolder);
            byte[] bytes;
            try (InputStream in = part.content()) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxUpload + 1));
            }
            if (bytes.length > maxUpload) {
                Http.text(ctx, 413, "upload is larger than the " + (maxUpload >> 20) + " MiB limit");
                return;
            }
            if (transform != null) {
                bytes = transform.apply(bytes);
            }
            boolean replace = "true".equalsIgnoreCase(overwrite) || "1".equals(overwrite);
            String finalName = replace ? name : freeName(dir, name, bytes);
            Path target = dir.resolve(finalName);
            if (Files.isSymbolicLink(target)) {
                throw new FileRoots.PathRefused(403, "refusing to write through a symbolic link");
            }
            if (!(Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes))) {
                AtomicFiles.writeBytes(target, bytes);
            }
            RemoteFiles r = remote;
            if (r != null) {
                r.uploaded(typeName, subfolder == null ? "" : subfolder, finalName, target);
            }
            ObjectNode out = mapper.createObjectNode();
            out.put("name", finalName);
            out.put("subfolder", subfolder == null ? "" : subfolder);
            out.put("type", typeName);
            Http.json(ctx, 200, out);
        } catch (FileRoots.PathRefused e) {
            Http.text(ctx, e.status(), e.getMessage());
        }
    }

    /**
     * {@code name}, or {@code name (1).ext}, {@code name (2).ext}, ... — the first that is free or already holds
     * exactly these bytes (re-uploading the same image reuses its name, as ComfyUI does).
     */
    static String freeName(Path dir, String name, byte[] bytes) throws IOException, FileRoots.PathRefused {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        String candidate = name;
        for (int i = 1; i <= MAX_COLLISIONS; i++) {
            Path p = dir.resolve(candidate);
            if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return candidate;
            }
            if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.size(p) == bytes.length
                    && Arrays.equals(Files.readAllBytes(p), bytes)) {
                return candidate;
            }
            candidate = stem + " (" + i + ")" + ext;
        }
        throw new FileRoots.PathRefused(409, "too many files named like " + name);
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
