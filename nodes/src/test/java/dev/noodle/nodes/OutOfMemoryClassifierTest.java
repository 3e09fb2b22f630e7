package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import dev.noodle.nodes.host.OutOfMemory;
import org.junit.jupiter.api.Test;

/** Which engine failures count as running out of memory (bad-inputs R2): PyTorch's allocator messages, by type. */
class OutOfMemoryClassifierTest {
    @Test
    void allocatorFailuresReachingJavaAsEngineExceptionsAreOutOfMemory() {
        assertTrue(OutOfMemory.isEngineOutOfMemory(new EngineException("[enforce fail at alloc_cpu.cpp:114] data."
                + " DefaultCPUAllocator: not enough memory: you tried to allocate 68719476736 bytes.")));
        assertTrue(OutOfMemory.isEngineOutOfMemory(new RuntimeException("UNet step 3 failed",
                new EngineException("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 79.15 GiB total"))));
        assertTrue(OutOfMemory.isEngineOutOfMemory(new EngineException("std::bad_alloc")));
        // a GPU step that failed again after its retry keeps libtorch's exception as its cause, so the host frees
        // its caches and models as for the CPU
        assertTrue(OutOfMemory.isEngineOutOfMemory(new dev.noodle.engine.memory.GpuOutOfMemory("the GPU ran out",
                new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB"))));
    }

    @Test
    void otherEngineErrorsAndPlainExceptionsAreNot() {
        assertFalse(OutOfMemory.isEngineOutOfMemory(new EngineException("expected tensor of rank 4, got rank 3")));
        // the same words outside the engine's exception type are a node's own message, not the allocator's
        assertFalse(OutOfMemory.isEngineOutOfMemory(new IllegalStateException("out of memory")));
        assertFalse(OutOfMemory.isEngineOutOfMemory(null));
    }
}
