package dev.noodle.graph.exec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Computes cache signatures: SHA-256 over node type, literal inputs by name, linked ancestors' signatures with output
 * index, and the node's change fingerprint. Node ids and layout never enter. Not recursive: a node's ancestors'
 * signatures are computed first (plan order). Thread-safe.
 */
public final class Signatures {
    private static final ObjectMapper CANONICAL =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private Signatures() {}

    /** One input's contribution: a literal value or a link to an ancestor signature. */
    public sealed interface Part {}

    /** A coerced literal value. */
    public record LiteralPart(Object value) implements Part {}

    /** A linked ancestor's signature and output index. */
    public record LinkPart(String signature, int outputIndex) implements Part {}

    /** The signature of a node of {@code type} with these inputs (by name) and fingerprint (may be null). */
    public static String of(String type, Map<String, Part> inputs, String fingerprint) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("type:").append(type.length()).append(':').append(type).append('\n');
        for (Map.Entry<String, Part> e : new TreeMap<>(inputs).entrySet()) {
            sb.append("in:").append(e.getKey().length()).append(':').append(e.getKey()).append('=');
            switch (e.getValue()) {
                case LinkPart l -> sb.append("link:").append(l.signature()).append('#').append(l.outputIndex());
                case LiteralPart p -> canonical(sb, p.value());
            }
            sb.append('\n');
        }
        if (fingerprint != null) {
            sb.append("changed:").append(fingerprint.length()).append(':').append(fingerprint).append('\n');
        }
        return sha256(sb.toString());
    }

    private static void canonical(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case Long l -> sb.append("i:").append(l);
            case Double d -> sb.append("d:").append(Double.doubleToLongBits(d));
            case Boolean b -> sb.append("b:").append(b);
            case String s -> sb.append("s:").append(s.length()).append(':').append(s);
            default -> {
                try {
                    String json = CANONICAL.writeValueAsString(v);
                    sb.append("j:").append(json.length()).append(':').append(json);
                } catch (JsonProcessingException ex) {
                    sb.append("o:").append(v);
                }
            }
        }
    }

    private static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
