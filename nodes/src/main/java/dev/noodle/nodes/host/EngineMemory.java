package dev.noodle.nodes.host;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Native memory the engine holds, for leak checks of long-running front ends (the soak command). Stateless. */
public final class EngineMemory {
    private EngineMemory() {}

    /**
     * Bytes and count of the NDArrays alive under DJL's system manager (every manager the engine made), or
     * {@code {-1, -1}} when DJL's manager does not expose them.
     */
    public static long[] liveArrays() {
        try (NDManager probe = NDManager.newBaseManager()) {
            if (!(probe.getParentManager() instanceof BaseNDManager system)) {
                return new long[] {-1, -1};
            }
            long bytes = 0;
            int count = 0;
            for (NDArray a : system.getManagedArrays()) {
                if (!a.isReleased()) {
                    bytes += a.getShape().size() * a.getDataType().getNumOfBytes();
                    count++;
                }
            }
            return new long[] {bytes, count};
        } catch (RuntimeException | LinkageError e) {
            return new long[] {-1, -1};
        }
    }
}
