package dev.noodle.nodes.values;

import dev.noodle.engine.ipadapter.IpAdapterModel;
import dev.noodle.graph.node.ReleasableValue;

/**
 * The IPADAPTER wire value, as the pack's: a loaded IP-Adapter (IPAdapterModelLoader), or the pipeline of
 * IPAdapterUnifiedLoader that also carries the CLIP vision model the adapter reads. Immutable.
 *
 * @param hold keeps the adapter loaded while this value lives
 * @param model the adapter
 * @param source the file name, for messages
 * @param clipVision the CLIP vision model of a unified loader's pipeline, or null
 */
public record IpAdapterValue(ModelValue.Hold hold, IpAdapterModel model, String source, ClipVisionValue clipVision)
        implements ReleasableValue {
    @Override
    public long sizeBytes() {
        return hold.sizeBytes() + (clipVision == null ? 0 : clipVision.sizeBytes());
    }

    @Override
    public void release() {
        hold.release();
        if (clipVision != null) {
            clipVision.release();
        }
    }

    @Override
    public String toString() {
        return "IPADAPTER: " + source + " (" + model.layout().describe() + ")"
                + (clipVision == null ? "" : " with " + clipVision.source());
    }
}
