package dev.noodle.app.ui.canvas;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import java.util.WeakHashMap;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.Image;

/** Converts image descriptors from node outputs (a {@link Path} or a {@link BufferedImage}) to FX images. */
public final class Images {
    private static final Map<Object, Image> CACHE = new WeakHashMap<>();

    private Images() {}

    /** The FX image for a descriptor, or null when it is neither a path nor a buffered image. FX thread only. */
    public static Image toFx(Object descriptor) {
        Image cached = CACHE.get(descriptor);
        if (cached != null) {
            return cached;
        }
        Image img = switch (descriptor) {
            case BufferedImage b -> SwingFXUtils.toFXImage(b, null);
            case Path p -> new Image(p.toUri().toString(), true);
            default -> null;
        };
        if (img != null && !(descriptor instanceof BufferedImage)) {
            CACHE.put(descriptor, img);
        }
        return img;
    }
}
