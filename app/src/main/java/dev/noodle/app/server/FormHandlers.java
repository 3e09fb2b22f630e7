package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.form.FormException;
import dev.noodle.graph.form.FormField;
import dev.noodle.graph.form.FormProblem;
import dev.noodle.graph.form.WorkflowForm;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.StringInput;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The forms of the workflow files in the server's workflows folder, by name (the file name without {@code .json}):
 * {@code GET /noodle/forms} lists them with their fields, {@code GET /noodle/forms/{name}} gives one, and
 * {@code POST /noodle/forms/{name}/run} with {@code {NAME: value, ...}} sets the fields and queues the workflow as
 * {@code POST /prompt} does (same queue, history and websocket events; {@code ?client_id=} routes the events).
 * Errors are JSON {@code {error: {type, message, fields: {NAME: why}}}}. Files are read on each request, so edits
 * show at once. Thread-safe (no state besides the folder).
 */
final class FormHandlers {
    private final ObjectMapper mapper;
    private final NodeRegistry registry;
    private final Path folder;
    private final PromptHandlers prompts;

    FormHandlers(ObjectMapper mapper, NodeRegistry registry, Path folder, PromptHandlers prompts) {
        this.mapper = mapper;
        this.registry = registry;
        this.folder = folder;
        this.prompts = prompts;
    }

    /** {@code GET /noodle/forms}: every workflow with a form, and the files that could not be read. */
    void list(Context ctx) {
        ObjectNode out = mapper.createObjectNode();
        out.put("folder", folder.toString());
        ArrayNode forms = out.putArray("forms");
        ArrayNode unreadable = out.putArray("unreadable");
        for (Map.Entry<String, Path> e : files().entrySet()) {
            try {
                Workflow wf = WorkflowJson.read(e.getValue(), registry);
                WorkflowForm form = WorkflowForm.of(wf, registry);
                if (!form.isEmpty()) {
                    forms.add(formJson(e.getKey(), e.getValue(), wf, form));
                }
            } catch (WorkflowFormatException | IllegalArgumentException ex) {
                unreadable.addObject().put("file", e.getValue().getFileName().toString())
                        .put("message", ex.getMessage());
            }
        }
        Http.json(ctx, 200, out);
    }

    /** {@code GET /noodle/forms/{name}}: one workflow's form. */
    void one(Context ctx) {
        String name = ctx.pathParam("name");
        Path file = files().get(name);
        if (file == null) {
            unknown(ctx, name);
            return;
        }
        Workflow wf = read(ctx, name, file);
        if (wf != null) {
            Http.json(ctx, 200, formJson(name, file, wf, WorkflowForm.of(wf, registry)));
        }
    }

    /** {@code POST /noodle/forms/{name}/run}: sets the named values and queues the workflow. */
    void run(Context ctx) {
        String name = ctx.pathParam("name");
        Path file = files().get(name);
        if (file == null) {
            unknown(ctx, name);
            return;
        }
        JsonNode body = ctx.body().isBlank() ? mapper.createObjectNode() : Http.jsonBody(ctx, mapper);
        Workflow wf = read(ctx, name, file);
        if (wf == null) {
            return;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        List<FormProblem> refused = new ArrayList<>();
        for (var it = body.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (v.isContainerNode()) {
                refused.add(new FormProblem(e.getKey(), "must be a number, text or true/false, not " + v));
            } else {
                values.put(e.getKey(), v.isNull() ? null : v.isIntegralNumber()
                        ? (v.canConvertToLong() ? (Object) v.asLong() : v.bigIntegerValue())
                        : v.isNumber() ? v.asDouble() : v.isBoolean() ? v.asBoolean() : v.asText());
            }
        }
        Workflow set;
        try {
            if (!refused.isEmpty()) {
                throw new FormException(refused);
            }
            set = WorkflowForm.of(wf, registry).apply(values);
        } catch (FormException e) {
            ObjectNode err = error("invalid_form_values", "the form of '" + name + "' refused: " + e.getMessage());
            ObjectNode fields = ((ObjectNode) err.get("error")).putObject("fields");
            e.problems().forEach(p -> fields.put(p.name(), p.message()));
            Http.json(ctx, 400, err);
            return;
        }
        ObjectNode prompt;
        Workflow flat;
        try {
            String api = ComfyApiFormat.write(set, registry);
            prompt = (ObjectNode) mapper.readTree(api);
            flat = WorkflowJson.parse(api, "form " + name);
        } catch (IOException | RuntimeException e) {
            Http.json(ctx, 400, error("invalid_workflow", "cannot run '" + name + "': " + e.getMessage()));
            return;
        }
        ObjectNode submission = mapper.createObjectNode();
        String client = ctx.queryParam("client_id");
        if (client != null && !client.isBlank()) {
            submission.put("client_id", client);
        }
        prompts.submit(ctx, submission, prompt, flat);
    }

    /** The workflow files of the folder by form name (file name without {@code .json}), sorted. */
    private Map<String, Path> files() {
        Map<String, Path> out = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return out;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(folder, "*.json")) {
            for (Path p : dir) {
                if (Files.isRegularFile(p)) {
                    String file = p.getFileName().toString();
                    out.put(file.substring(0, file.length() - ".json".length()), p);
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    private Workflow read(Context ctx, String name, Path file) {
        try {
            return WorkflowJson.read(file, registry);
        } catch (WorkflowFormatException | IllegalArgumentException e) {
            Http.json(ctx, 500, error("unreadable_workflow", "the workflow '" + name + "' cannot be read: "
                    + e.getMessage()));
            return null;
        }
    }

    private void unknown(Context ctx, String name) {
        ObjectNode err = error("unknown_form", "there is no workflow '" + name + "' in " + folder
                + "; the workflows are " + String.join(", ", files().keySet()));
        Http.json(ctx, 404, err);
    }

    private ObjectNode error(String type, String message) {
        ObjectNode out = mapper.createObjectNode();
        ObjectNode e = out.putObject("error");
        e.put("type", type);
        e.put("message", message);
        return out;
    }

    private ObjectNode formJson(String name, Path file, Workflow wf, WorkflowForm form) {
        ObjectNode o = mapper.createObjectNode();
        o.put("name", name);
        o.put("file", file.getFileName().toString());
        o.put("title", wf.name());
        if (form.hostId() != null) {
            o.put("subgraph_node", form.hostId());
        }
        ArrayNode fields = o.putArray("fields");
        for (FormField f : form.fields()) {
            fields.add(fieldJson(f));
        }
        ArrayNode problems = o.putArray("problems");
        form.problems().forEach(p -> problems.addObject().put("name", p.name()).put("message", p.message()));
        return o;
    }

    private ObjectNode fieldJson(FormField f) {
        ObjectNode o = mapper.createObjectNode();
        o.put("name", f.name());
        o.put("label", f.label());
        o.put("type", f.typeName());
        o.put("node", f.nodeId());
        o.put("input", f.input());
        o.set("value", mapper.valueToTree(f.value()));
        o.set("default", mapper.valueToTree(FormField.defaultOf(f.spec())));
        switch (f.spec()) {
            case IntInput i -> o.put("min", i.min()).put("max", i.max()).put("step", i.step());
            case FloatInput fl -> o.put("min", fl.min()).put("max", fl.max()).put("step", fl.step());
            case ComboInput c -> {
                ArrayNode options = o.putArray("options");
                c.currentOptions().forEach(options::add);
            }
            case StringInput s -> o.put("multiline", s.multiline());
            default -> { }
        }
        o.put("settable", f.settable());
        if (f.wiredFrom() != null) {
            o.put("wired_from", f.wiredFrom());
        }
        if (!f.spec().tooltip().isEmpty()) {
            o.put("tooltip", f.spec().tooltip());
        }
        return o;
    }
}
