package dev.noodle.nodes.values;

import ai.djl.Device;
import dev.noodle.engine.upscale.UpscaleNet;

/**
 * The UPSCALE_MODEL wire value: a loaded upscale network, the device its weights live on and the file it came from,
 * shared through its hold (loaded once while values use it). Immutable.
 *
 * @param hold keeps the network loaded while this value lives
 * @param net the network
 * @param device where its weights live (tiles are created there)
 * @param source the file name, for messages
 */
public record UpscaleModelValue(ModelValue.Hold hold, UpscaleNet net, Device device, String source)
        implements HeldValue {
    @Override
    public String toString() {
        return "UPSCALE_MODEL: " + source + " (" + net.architecture() + " ×" + net.scale() + ")";
    }
}
