package dev.noodle.nodes.host;

/**
 * The device models run on, as front ends report it (ComfyUI's {@code /system_stats} {@code devices} entry).
 *
 * @param name the device as the engine names it, e.g. {@code cpu()} or {@code gpu(0)}
 * @param type {@code cpu} or {@code gpu}
 * @param index the device number, 0 for the CPU
 * @param gpu whether it is a GPU
 */
public record ComputeDevice(String name, String type, int index, boolean gpu) {}
