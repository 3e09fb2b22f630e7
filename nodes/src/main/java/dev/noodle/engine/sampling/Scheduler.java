package dev.noodle.engine.sampling;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The schedulers Noodle offers, named and ordered exactly as ComfyUI's {@code SCHEDULER_NAMES} (its KSampler list). */
public enum Scheduler {
    SIMPLE("simple"),
    SGM_UNIFORM("sgm_uniform"),
    KARRAS("karras"),
    EXPONENTIAL("exponential"),
    DDIM_UNIFORM("ddim_uniform"),
    BETA("beta"),
    NORMAL("normal"),
    LINEAR_QUADRATIC("linear_quadratic"),
    KL_OPTIMAL("kl_optimal");

    private final String comfyName;

    Scheduler(String comfyName) {
        this.comfyName = comfyName;
    }

    /** The ComfyUI name, e.g. "sgm_uniform". */
    public String comfyName() {
        return comfyName;
    }

    /** ComfyUI {@code calculate_sigmas(model_sampling, name, steps)}. */
    public float[] sigmas(ModelSampling ms, int steps) {
        return switch (this) {
            case NORMAL -> Schedules.normal(ms, steps);
            case KARRAS -> Schedules.karras(ms, steps);
            case EXPONENTIAL -> Schedules.exponential(ms, steps);
            case SGM_UNIFORM -> Schedules.sgmUniform(ms, steps);
            case SIMPLE -> Schedules.simple(ms, steps);
            case DDIM_UNIFORM -> Schedules.ddimUniform(ms, steps);
            case BETA -> Schedules.beta(ms, steps);
            case LINEAR_QUADRATIC -> Schedules.linearQuadratic(ms, steps);
            case KL_OPTIMAL -> Schedules.klOptimal(ms, steps);
        };
    }

    /** Looks a scheduler up by its ComfyUI name; unknown names list the known ones. */
    public static Scheduler fromComfyName(String name) {
        for (Scheduler s : values()) {
            if (s.comfyName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException(
                "unknown scheduler '"
                        + name
                        + "'; known: "
                        + Arrays.stream(values())
                                .map(Scheduler::comfyName)
                                .collect(Collectors.joining(", ")));
    }
}
