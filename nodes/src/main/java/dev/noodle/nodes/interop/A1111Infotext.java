package dev.noodle.nodes.interop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's generation parameters text ("infotext"), as kept in a PNG's {@code parameters} chunk.
 *
 * <p>Format: prompt lines, optionally {@code Negative prompt: ...} lines, then one line of {@code Key: value} pairs
 * separated by commas; values holding a comma, colon or newline are JSON-quoted. {@link #parse} follows A1111's
 * {@code parse_generation_parameters} (modules/infotext_utils.py): the last line counts as parameters only when it
 * holds at least three pairs, otherwise it belongs to the prompt; a pair with an empty value is dropped. {@link #format}
 * follows {@code create_infotext}. Immutable.
 *
 * @param params parameter values by key, in file order, unquoted (e.g. "Size" → "512x768")
 */
public record A1111Infotext(String prompt, String negativePrompt, Map<String, String> params) {
    /** A1111's {@code re_param_code}. */
    static final Pattern PARAM = Pattern.compile("\\s*(\\w[\\w \\-/]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Copies the map, keeping order. */
    public A1111Infotext {
        prompt = prompt == null ? "" : prompt;
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params == null ? Map.of() : params));
    }

    /** Parses infotext like A1111's {@code parse_generation_parameters}. */
    public static A1111Infotext parse(String text) {
        String[] split = text.strip().split("\n", -1);
        List<String> lines = new ArrayList<>(List.of(split).subList(0, split.length - 1));
        String last = split[split.length - 1];
        if (countParams(last) < 3) {
            lines.add(last);
            last = "";
        }
        StringBuilder prompt = new StringBuilder();
        StringBuilder negative = new StringBuilder();
        boolean doneWithPrompt = false;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("Negative prompt:")) {
                doneWithPrompt = true;
                line = line.substring(16).strip();
            }
            StringBuilder target = doneWithPrompt ? negative : prompt;
            if (!target.isEmpty()) {
                target.append('\n');
            }
            target.append(line);
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(last);
        while (m.find()) {
            String v = m.group(2);
            if (v.isEmpty()) {
                continue; // A1111 fails on v[0] and skips the pair
            }
            params.put(m.group(1), v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"' ? unquote(v) : v);
        }
        return new A1111Infotext(prompt.toString(), negative.toString(), params);
    }

    private static int countParams(String line) {
        int n = 0;
        Matcher m = PARAM.matcher(line);
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String unquote(String v) {
        try {
            Object o = JSON.readValue(v, Object.class);
            return o instanceof String s ? s : v;
        } catch (JsonProcessingException e) {
            return v;
        }
    }

    /** A1111's {@code quote}: JSON-quotes values holding a comma, newline or colon. */
    static String quote(String v) {
        if (v.indexOf(',') < 0 && v.indexOf('\n') < 0 && v.indexOf(':') < 0) {
            return v;
        }
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The infotext as A1111 writes it: prompt, "Negative prompt: ..." when not empty, then the parameter line. */
    public String format() {
        StringBuilder line = new StringBuilder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            if (!line.isEmpty()) {
                line.append(", ");
            }
            line.append(e.getKey().equals(e.getValue()) ? e.getKey() : e.getKey() + ": " + quote(e.getValue()));
        }
        String neg = negativePrompt.isEmpty() ? "" : "\nNegative prompt: " + negativePrompt;
        return (prompt + neg + "\n" + line).strip();
    }

    /** The parameter with this key, or {@code fallback}. */
    public String param(String key, String fallback) {
        return params.getOrDefault(key, fallback);
    }

    /** A copy with this parameter set (null removes it), keeping the order of existing keys. */
    public A1111Infotext withParam(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(params);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        return new A1111Infotext(prompt, negativePrompt, copy);
    }
}
