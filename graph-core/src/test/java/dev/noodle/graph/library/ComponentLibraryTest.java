package dev.noodle.graph.library;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComponentJson;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.ComponentRef;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.validate.Validator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Components published to a library folder, embedded in workflows with their reference, updated one use or all
 * uses when the library moves on, and diffed; runs on the fake nodes.
 */
class ComponentLibraryTest {
    @TempDir
    Path dir;

    private final FakeNodes fake = new FakeNodes();
    private final GraphExecutor executor =
            new GraphExecutor(fake.registry, new ResultCache(1L << 30), ServiceLookup.none());
    private int next;
    private final Supplier<String> ids = () -> "id-" + (++next);

    /** "Sharpen": latent + strength (promoted) → Process → ToImage → image. */
    static Subgraph sharpen(String id) {
        Workflow body = Workflow.empty("Sharpen")
                .withNode(n("1", "Process", "latent", link(Subgraph.INPUT_NODE, 0),
                        "strength", link(Subgraph.INPUT_NODE, 1)))
                .withNode(n("2", "ToImage", "latent", link("1", 0)));
        return new Subgraph(id, "Sharpen", null,
                List.of(new SubgraphInput("in-0", "latent", "LATENT", null, Map.of()),
                        new SubgraphInput("in-1", "strength", "FLOAT", null, Map.of())),
                List.of(new SubgraphOutput("out-0", "image", "IMAGE", null, link("2", 0), Map.of())),
                body, null, Map.of());
    }

    /** Version 2 of Sharpen: a second Process at 2.0 before the image. */
    static Subgraph sharper(Subgraph v1) {
        Workflow body = v1.body()
                .withNode(n("3", "Process", "latent", link("1", 0), "strength", 2.0))
                .withNode(n("2", "ToImage", "latent", link("3", 0)));
        return v1.withBody(body);
    }

    /** Two uses of a definition at strengths 0.5 and 0.25, each saved. */
    static Workflow twoUses(Workflow wf, String def) {
        return wf.withNode(n("1", "Source", "seed", 7L, "size", 100L))
                .withNode(n("83", def, "latent", link("1", 0), "strength", 0.5))
                .withNode(n("90", def, "latent", link("1", 0), "strength", 0.25))
                .withNode(n("4", "Save", "images", link("83", 0), "prefix", "p", "format", "png"))
                .withNode(n("5", "Save", "images", link("90", 0), "prefix", "q", "format", "png"));
    }

    private RunResult run(Workflow w) {
        fake.executed.clear();
        RunResult r = executor.run(w, RunOptions.defaults(), e -> {}, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        return r;
    }

    private static Object saved(RunResult r, String node) {
        return r.outputs().get(node).ui().get("images");
    }

    /** The author's workflow after publishing Sharpen v1, and the library. */
    private record Authored(ComponentLibrary library, Workflow author, Component v1) {}

    private Authored authored() throws Exception {
        ComponentLibrary lib = new ComponentLibrary(dir.resolve("components"), ids);
        Workflow author = Workflow.empty("author").withSubgraph(sharpen("local"));
        Components.Published p = lib.publishNew(author, "local", "Sharpen", "sharpens and decodes");
        return new Authored(lib, p.workflow(), p.component());
    }

    /** A user's workflow with two uses of the library's current Sharpen. */
    private Workflow userWorkflow(ComponentLibrary lib, String componentId) {
        Component c = lib.newest(componentId).orElseThrow();
        Components.Embedded e = Components.embed(Workflow.empty("user"), c, ids);
        return twoUses(e.workflow(), e.definitionId());
    }

    @Test
    void publishWritesAComponentFileAndInsertEmbedsACopyThatRunsAndExportsAnywhere() throws Exception {
        Authored a = authored();
        assertEquals(1, a.v1().version());
        assertEquals(new ComponentRef(a.v1().id(), 1), a.author().subgraphs().get("local").component());
        assertTrue(Files.isRegularFile(dir.resolve("components/sharpen.json")));
        ComponentLibrary.Listing listing = a.library().scan();
        assertEquals(List.of(), listing.problems());
        Component read = listing.components().get(0).component();
        assertEquals(a.v1(), read);
        assertEquals("sharpens and decodes", read.description());
        assertEquals("latent: LATENT, strength: FLOAT → image: IMAGE", read.interfaceLine());

        Workflow user = userWorkflow(a.library(), a.v1().id());
        String def = user.node("83").type();
        assertNotEquals("local", def, "the embedded copy gets its own id");
        assertEquals(new ComponentRef(a.v1().id(), 1), user.subgraphs().get(def).component());
        RunResult r = run(user);
        assertEquals(List.of("p_img(src7*0.5).png"), saved(r, "4"));
        // the file keeps the reference and the copy; the API export is plain nodes a ComfyUI server runs
        Workflow back = WorkflowJson.parse(WorkflowJson.write(user), "user.json");
        assertEquals(user, back);
        assertTrue(ComfyApiFormat.write(user).contains("\"83:1\""));
        // inserting the same version again reuses the copy
        Components.Embedded again = Components.embed(user, read, ids);
        assertEquals(def, again.definitionId());
        assertEquals(user.subgraphs(), again.workflow().subgraphs());
    }

    @Test
    void publishingANewVersionIsRefusedWhenTheLibraryIsAlreadyNewerNamingBothVersions() throws Exception {
        Authored a = authored();
        Workflow user = userWorkflow(a.library(), a.v1().id());
        String def = user.node("83").type();
        Components.Published v2 = a.library().publishVersion(
                a.author().withSubgraph(sharper(a.author().subgraphs().get("local"))), "local");
        assertEquals(2, v2.component().version());
        assertEquals(2, v2.workflow().subgraphs().get("local").component().version());
        assertEquals(2, a.library().newest(a.v1().id()).orElseThrow().version());
        assertEquals(1, Files.list(dir.resolve("components")).count(), "a new version rewrites the file");

        ComponentConflictException e = assertThrows(ComponentConflictException.class,
                () -> a.library().publishVersion(user, def));
        assertTrue(e.getMessage().contains("edited from version 1") && e.getMessage().contains("version 2"),
                e.getMessage());
        assertEquals(2, a.library().newest(a.v1().id()).orElseThrow().version());
    }

    @Test
    void updatingAllUsesChangesBothResultsAndDecliningLeavesTheWorkflowAsItWas() throws Exception {
        Authored a = authored();
        Workflow user = userWorkflow(a.library(), a.v1().id());
        String before = WorkflowJson.write(user);
        RunResult r1 = run(user);
        a.library().publishVersion(a.author().withSubgraph(sharper(a.author().subgraphs().get("local"))), "local");

        List<ComponentUpdates.Available> updates = ComponentUpdates.available(user, a.library().scan()::newest);
        assertEquals(1, updates.size());
        ComponentUpdates.Available up = updates.get(0);
        assertEquals(1, up.current());
        assertEquals(2, up.latest().version());
        assertEquals(List.of(HostRef.top("83"), HostRef.top("90")), up.hosts());
        assertEquals(List.of("node 2 (ToImage) latent: node 1 output 0 → node 3 output 0",
                "node 3 (Process) added"), up.diff().lines());
        // declining: looking at the update changed nothing
        assertEquals(before, WorkflowJson.write(user));
        assertEquals(List.of("p_img(src7*0.5).png"), saved(run(user), "4"));

        ComponentUpdates.Result done = ComponentUpdates.update(user, up.definitionId(), up.latest(), null, false, ids);
        Workflow updated = done.workflow();
        assertEquals(up.definitionId(), done.definitionId(), "updating every use keeps the definition's id");
        assertEquals(1, updated.subgraphs().size());
        assertEquals(2, updated.subgraphs().get(up.definitionId()).component().version());
        RunResult r2 = run(updated);
        assertNotEquals(saved(r1, "4"), saved(r2, "4"));
        assertEquals(List.of("p_img(src7*0.5*2.0).png"), saved(r2, "4"));
        assertEquals(List.of("q_img(src7*0.25*2.0).png"), saved(r2, "5"));
        assertEquals(List.of(), ComponentUpdates.available(updated, a.library().scan()::newest));
    }

    @Test
    void updatingOneUseGivesThatHostItsOwnCopyAndTheOthersKeepTheOldOne() throws Exception {
        Authored a = authored();
        Workflow user = userWorkflow(a.library(), a.v1().id());
        String oldDef = user.node("83").type();
        a.library().publishVersion(a.author().withSubgraph(sharper(a.author().subgraphs().get("local"))), "local");
        Component v2 = a.library().newest(a.v1().id()).orElseThrow();

        ComponentUpdates.Result one = ComponentUpdates.update(user, oldDef, v2, HostRef.top("90"), false, ids);
        Workflow w = one.workflow();
        assertEquals(oldDef, w.node("83").type());
        assertNotEquals(oldDef, w.node("90").type());
        assertEquals(1, w.subgraphs().get(oldDef).component().version());
        assertEquals(2, w.subgraphs().get(w.node("90").type()).component().version());
        RunResult r = run(w);
        assertEquals(List.of("p_img(src7*0.5).png"), saved(r, "4"));
        assertEquals(List.of("q_img(src7*0.25*2.0).png"), saved(r, "5"));
        // the second use then joins the first one's new copy; the old copy goes
        Workflow both = ComponentUpdates.update(w, oldDef, v2, HostRef.top("83"), false, ids).workflow();
        assertEquals(both.node("90").type(), both.node("83").type());
        assertEquals(1, both.subgraphs().size());
    }

    @Test
    void anUpdateThatChangesNothingTheRunSeesReRunsNothing() throws Exception {
        Authored a = authored();
        Workflow user = userWorkflow(a.library(), a.v1().id());
        Subgraph local = a.author().subgraphs().get("local");
        a.library().publishVersion(a.author().withSubgraph(local.withName("Sharpen", "now with a better text")),
                "local");
        Component v2 = a.library().newest(a.v1().id()).orElseThrow();
        assertTrue(ComponentUpdates.diff(user, user.node("83").type(), v2).isEmpty());

        run(user);
        assertEquals(List.of("1", "83:1", "83:2", "90:1", "90:2", "4", "5"), fake.executed);
        Workflow updated = ComponentUpdates.update(user, user.node("83").type(), v2, null, false, ids).workflow();
        assertEquals(2, updated.subgraphs().get(updated.node("83").type()).component().version());
        run(updated);
        assertEquals(List.of(), fake.executed, "an unchanged component is cached as it was");
    }

    @Test
    void anInterfaceChangeThatBreaksWiresIsRefusedNamingHostAndPortUnlessDroppingIsAccepted() throws Exception {
        Authored a = authored();
        Workflow user = userWorkflow(a.library(), a.v1().id());
        String def = user.node("83").type();
        Subgraph local = a.author().subgraphs().get("local");
        // v2: 'strength' renamed 'amount' (same port), 'image' now a LATENT from the Process node
        Subgraph v2def = local.withInterface(
                List.of(local.inputs().get(0), local.inputs().get(1).withName("amount")),
                List.of(new SubgraphOutput("out-0", "image", "LATENT", null, link("1", 0), Map.of())));
        a.library().publishVersion(a.author().withSubgraph(v2def), "local");
        Component v2 = a.library().newest(a.v1().id()).orElseThrow();
        assertEquals(List.of("input 'strength' renamed to 'amount'", "output 'image' retyped IMAGE → LATENT",
                "output 'image' now from node 1 output 0 (was node 2 output 0)"),
                ComponentUpdates.diff(user, def, v2).lines());

        ComponentConflictException e = assertThrows(ComponentConflictException.class,
                () -> ComponentUpdates.update(user, def, v2, null, false, ids));
        assertTrue(e.getMessage().contains("would break 2 wires: node 4 input 'images' (from node 83 output"
                + " 'image' retyped IMAGE → LATENT); node 5 input 'images' (from node 90 output 'image' retyped"),
                e.getMessage());

        ComponentUpdates.Result r = ComponentUpdates.update(user, def, v2, null, true, ids);
        assertEquals(2, r.dropped().size());
        assertNull(r.workflow().node("4").input("images"));
        assertEquals(0.5, ((dev.noodle.graph.model.Literal) r.workflow().node("83").input("amount")).value());
        assertNull(r.workflow().node("83").input("strength"));
        assertEquals(new Link("1", 0), r.workflow().node("83").input("latent"));
    }

    @Test
    void aRemovedWiredInputIsRefusedToo() throws Exception {
        Authored a = authored();
        Workflow user = userWorkflow(a.library(), a.v1().id());
        String def = user.node("83").type();
        Subgraph local = a.author().subgraphs().get("local");
        Subgraph v2def = local.withInterface(List.of(local.inputs().get(1)), local.outputs())
                .withBody(local.body().withNode(n("1", "Process", "latent", link("9", 0),
                        "strength", link(Subgraph.INPUT_NODE, 0))).withNode(n("9", "Source", "seed", 1L, "size", 100L)));
        a.library().publishVersion(a.author().withSubgraph(v2def), "local");
        Component v2 = a.library().newest(a.v1().id()).orElseThrow();
        ComponentConflictException e = assertThrows(ComponentConflictException.class,
                () -> ComponentUpdates.update(user, def, v2, HostRef.top("83"), false, ids));
        assertTrue(e.getMessage().contains("node 83 input 'latent' (removed)"), e.getMessage());
        Workflow w = ComponentUpdates.update(user, def, v2, HostRef.top("83"), true, ids).workflow();
        assertEquals(List.of(), new Validator(fake.registry).validate(w));
        assertEquals(List.of("p_img(src1*0.5).png"), saved(run(w), "4"));
    }

    @Test
    void componentsNestAndANestedComponentUpdatesInsideItsHost() throws Exception {
        Authored a = authored();
        ComponentLibrary lib = a.library();
        // "Twice": Sharpen from the library, used inside another definition that is published too
        Components.Embedded inner = Components.embed(Workflow.empty("author2"), a.v1(), ids);
        Workflow twiceBody = Workflow.empty("Twice")
                .withNode(n("5", inner.definitionId(), "latent", link(Subgraph.INPUT_NODE, 0), "strength", 3.0));
        Subgraph twice = new Subgraph("twice-local", "Twice", null,
                List.of(new SubgraphInput("t-in", "latent", "LATENT", null, Map.of())),
                List.of(new SubgraphOutput("t-out", "image", "IMAGE", null, link("5", 0), Map.of())),
                twiceBody, null, Map.of());
        Components.Published outer = lib.publishNew(inner.workflow().withSubgraph(twice), "twice-local", "Twice",
                "");
        assertEquals(2, outer.component().definitions().size());
        Component readBack = ComponentJson.read(lib.folder().resolve("twice.json"));
        assertEquals(outer.component(), readBack);

        Components.Embedded e = Components.embed(Workflow.empty("user"), readBack, ids);
        Workflow user = e.workflow().withNode(n("1", "Source", "seed", 7L, "size", 100L))
                .withNode(n("12", e.definitionId(), "latent", link("1", 0)))
                .withNode(n("4", "Save", "images", link("12", 0), "prefix", "p", "format", "png"));
        assertEquals(2, user.subgraphs().size());
        assertTrue(user.subgraphs().values().stream().allMatch(d -> d.component() != null),
                "each nested definition carries its own reference");
        assertEquals(List.of("p_img(src7*3.0).png"), saved(run(user), "4"));
        // its ComfyUI API export is plain nodes with a:b:c ids that run the same
        Workflow api = WorkflowJson.parse(ComfyApiFormat.write(user), "api.json");
        assertEquals(List.of("1", "12:5:1", "12:5:2", "4"), List.copyOf(api.nodes().keySet()));
        assertEquals(List.of("p_img(src7*3.0).png"), saved(run(api), "4"));

        // saved as a ComfyUI workflow, both copies keep their reference and the file runs the same
        Workflow viaComfy = dev.noodle.graph.json.ComfyUiFormat.read(
                dev.noodle.graph.json.ComfyUiFormat.write(user, fake.registry), "ui.json", fake.registry);
        assertEquals(user.subgraphs().values().stream().map(Subgraph::component).toList(),
                viaComfy.subgraphs().values().stream().map(Subgraph::component).toList());
        assertEquals(List.of("p_img(src7*3.0).png"), saved(run(viaComfy), "4"));

        lib.publishVersion(a.author().withSubgraph(sharper(a.author().subgraphs().get("local"))), "local");
        assertEquals(1, ComponentUpdates.available(viaComfy, lib.scan()::newest).size());
        List<ComponentUpdates.Available> ups = ComponentUpdates.available(user, lib.scan()::newest);
        assertEquals(1, ups.size());
        assertEquals(List.of(new HostRef(e.definitionId(), "5")), ups.get(0).hosts());
        Workflow updated = ComponentUpdates.update(user, ups.get(0).definitionId(), ups.get(0).latest(), null,
                false, ids).workflow();
        assertEquals(List.of("p_img(src7*3.0*2.0).png"), saved(run(updated), "4"));
        assertEquals(List.of("p_img(src7*3.0*2.0).png"),
                saved(run(WorkflowJson.parse(ComfyApiFormat.write(updated), "api.json")), "4"));
        assertEquals(2, updated.subgraphs().size());
        assertEquals(List.of("node 5 is now \"Sharpen\" v2 (was \"Sharpen\" v1)"),
                ComponentDiff.between(user.subgraphs().get(e.definitionId()), user.subgraphs(),
                        updated.subgraphs().get(e.definitionId()), updated.subgraphs()).lines());
    }

    @Test
    void aComponentFileThatNestsItselfIsAClearErrorNamingTheFile() throws Exception {
        Subgraph loop = sharpen("loop");
        loop = loop.withBody(loop.body().withNode(n("7", "loop", "latent", link("1", 0))));
        String json = WorkflowJson.write(new Workflow(1, "Loop", Map.of(), null,
                Map.of("component", Map.of("id", "c1", "version", 1, "definition", "loop")),
                Map.of("loop", loop)));
        Path f = dir.resolve("loop.json");
        Files.writeString(f, json);
        ComponentFileException e = assertThrows(ComponentFileException.class, () -> ComponentJson.read(f));
        assertTrue(e.getMessage().startsWith("Cannot read component file " + f + ": subgraph \"Sharpen\" (loop)"
                + " nests itself"), e.getMessage());
        ComponentLibrary.Listing l = new ComponentLibrary(dir).scan();
        assertEquals(List.of(), l.components());
        assertEquals(List.of(e.getMessage()), l.problems());
    }
}
