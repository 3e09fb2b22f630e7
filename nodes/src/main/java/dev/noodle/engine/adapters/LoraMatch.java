package dev.noodle.engine.adapters;

import dev.noodle.engine.model.ModelFamily;
import java.util.List;
import java.util.Optional;

/**
 * How well a LoRA fits a base model: how many of its modules found a weight of the right size, which did not, and
 * the family it was made for. ComfyUI only logs unmatched keys; Noodle shows {@link #warning()} to the user.
 *
 * @param lora the LoRA's name
 * @param modules modules in the file
 * @param matched modules that found a target weight of matching size
 * @param unmatched module names (and stray keys) that patch nothing, with the reason for size mismatches
 * @param madeFor the family the LoRA was trained for, when known
 * @param base the family of the model it is applied to, when known
 */
public record LoraMatch(String lora, int modules, int matched, List<String> unmatched, Optional<ModelFamily> madeFor,
        Optional<ModelFamily> base) {
    public LoraMatch {
        unmatched = List.copyOf(unmatched);
    }

    /** Whether every module found its weight. */
    public boolean complete() {
        return matched == modules && unmatched.isEmpty();
    }

    /**
     * A sentence for the user when the LoRA does not fit (none or under half of its modules match, or it was made
     * for another family); empty when it fits.
     */
    public Optional<String> warning() {
        boolean otherFamily = madeFor.isPresent() && base.isPresent() && madeFor.get().base() != base.get().base();
        boolean few = matched == 0 || matched * 2 < modules;
        if (!otherFamily && !few) {
            return Optional.empty();
        }
        StringBuilder s = new StringBuilder("LoRA '").append(lora).append("' ");
        s.append(matched == 0 ? "matches none" : "matches only " + matched).append(" of its ").append(modules)
                .append(" modules in this model");
        if (otherFamily) {
            s.append(": it was made for ").append(madeFor.get().base().displayName()).append(", this checkpoint is ")
                    .append(base.get().base().displayName());
        }
        s.append(". ").append(otherFamily ? "Use a LoRA trained for " + base.get().base().displayName() + "."
                : "Check that it was trained for this kind of model.");
        return Optional.of(s.toString());
    }
}
