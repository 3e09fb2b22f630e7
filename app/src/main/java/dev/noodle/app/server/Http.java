package dev.noodle.app.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

/** Small helpers for JSON requests and responses. Stateless. */
final class Http {
    private static final ObjectMapper WRITER = new ObjectMapper();

    private Http() {}

    /** Writes {@code body} as JSON with the status. */
    static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json")
                    .result(WRITER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a plain-text answer. */
    static void text(Context ctx, int status, String message) {
        ctx.status(status).contentType("text/plain; charset=utf-8").result(message);
    }

    /** The request body as a JSON object; 400 when it is not one. */
    static JsonNode jsonBody(Context ctx, ObjectMapper mapper) {
        JsonNode n;
        try {
            n = mapper.readTree(ctx.bodyAsBytes());
        } catch (JsonProcessingException e) {
            throw new HttpResponseException(400, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new HttpResponseException(400, "the body could not be read: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new HttpResponseException(400, "the body must be a JSON object");
        }
        return n;
    }
}
