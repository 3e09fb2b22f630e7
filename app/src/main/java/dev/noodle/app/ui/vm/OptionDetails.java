package dev.noodle.app.ui.vm;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Extra words for combo options, such as a model file's size and the base model a LoRA was made for. Implementations
 * do their reading off the FX thread; the future completes on a background thread and never fails (an unreadable
 * option simply has no details). Thread-safe.
 */
@FunctionalInterface
public interface OptionDetails {
    /** No details for anything. */
    OptionDetails NONE = (input, options) -> CompletableFuture.completedFuture(Map.of());

    /**
     * Details of those {@code options} of the combo input named {@code input} (ckpt_name, lora_name, …) that have any.
     *
     * @return option → one short line, e.g. {@code "151.1 MB · SDXL"}
     */
    CompletableFuture<Map<String, String>> details(String input, List<String> options);

    /**
     * True when a details line says the option cannot be used ({@code "0 B · invalid: empty file"},
     * {@code "… · unreadable"}): one of its " · " parts starts with "invalid" or is "unreadable". Combos show such
     * options in the error colour.
     */
    static boolean marksUnusable(String detail) {
        if (detail == null) {
            return false;
        }
        for (String part : detail.split(" · ")) {
            if (part.startsWith("invalid") || part.equals("unreadable")) {
                return true;
            }
        }
        return false;
    }
}
