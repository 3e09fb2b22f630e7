package dev.noodle.nodes.image;

import ai.djl.Device;
import dev.noodle.engine.upscale.UpscaleNet;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;

/** Test access to the package-private tiled loop of {@link UpscaleModelNodes}. */
public final class UpscaleModelNodesAccess {
    private UpscaleModelNodesAccess() {}

    public static float[] upscale(UpscaleNet net, float[] pixels, int batch, int height, int width, Device device,
            NodeContext ctx) {
        return UpscaleModelNodes.upscale(net, pixels, batch, height, width, device, ctx,
                msg -> ctx.message(MessageLevel.WARNING, msg));
    }
}
