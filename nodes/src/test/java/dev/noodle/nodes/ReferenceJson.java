package dev.noodle.nodes;

import com.fasterxml.jackson.databind.JsonNode;

/** Number arrays of the reference JSON files that the python reference scripts write. */
final class ReferenceJson {
    private ReferenceJson() {
    }

    /** A JSON array of numbers as floats. */
    static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) a.get(i).asDouble();
        }
        return f;
    }

    /** A JSON array of whole numbers as longs (a tensor shape). */
    static long[] longs(JsonNode a) {
        long[] l = new long[a.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = a.get(i).asLong();
        }
        return l;
    }
}
