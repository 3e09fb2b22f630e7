package dev.noodle.graph.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Note;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * jqwik properties: any workflow survives the Noodle format (write → parse, and save → read through a file) and the
 * nodes of any workflow survive the ComfyUI API format, with ids, types, literal values of every JSON kind, links,
 * modes, layout and unknown fields preserved exactly (bad-inputs W9, G4).
 */
class WorkflowRoundTripProperties {

    @Property(tries = 100)
    void noodleFormatRoundTrips(@ForAll("workflows") Workflow wf) {
        assertEquals(wf, WorkflowJson.parse(WorkflowJson.write(wf), "prop.json"));
    }

    @Property(tries = 30)
    void savedFilesReadBack(@ForAll("workflows") Workflow wf) throws Exception {
        Path dir = Files.createTempDirectory("wfprop");
        try {
            Path file = dir.resolve("w.json");
            WorkflowJson.save(wf, file);
            assertEquals(wf, WorkflowJson.read(file));
            try (var list = Files.list(dir)) {
                assertEquals(List.of(file), list.toList(), "no temp file is left behind");
            }
        } finally {
            try (var list = Files.list(dir)) {
                for (Path p : list.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    @Property(tries = 100)
    void comfyApiFormatRoundTripsNodes(@ForAll("apiWorkflows") Workflow wf) {
        Workflow back = ComfyApiFormat.read(ComfyApiFormat.write(wf), "prompt.json");
        assertEquals(wf.nodes(), back.nodes());
    }

    // ---------------------------------------------------------------- generators

    /** Any Unicode text (valid code points, so including CJK, emoji and controls), possibly empty. */
    static Arbitrary<String> text(int maxLength) {
        return Arbitraries.oneOf(
                        Arbitraries.integers().between(0, 0x10FFFF),
                        Arbitraries.integers().between(0x20, 0x7e),
                        Arbitraries.of(0x732B, 0x1F431, 0x00E9, 0x0A, 0x22, 0x5C, 0x2028))
                .filter(cp -> cp < 0xD800 || cp > 0xDFFF)
                .list().ofMaxSize(maxLength)
                .map(cps -> {
                    StringBuilder sb = new StringBuilder();
                    cps.forEach(sb::appendCodePoint);
                    return sb.toString();
                });
    }

    static Arbitrary<Double> finite() {
        return Arbitraries.oneOf(Arbitraries.doubles().between(-1e6, 1e6),
                Arbitraries.doubles().between(-Double.MAX_VALUE, Double.MAX_VALUE),
                Arbitraries.of(0.0, -0.0, 1.0, 0.1, Double.MIN_VALUE, 1e300, -2.5));
    }

    static Arbitrary<Object> scalar() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(v -> (Object) v),
                finite().map(v -> (Object) v),
                text(12).map(v -> (Object) v),
                Arbitraries.of(true, false).map(v -> (Object) v),
                Arbitraries.just(null),
                Arbitraries.bigIntegers().between(BigInteger.TWO.pow(64), BigInteger.TWO.pow(70))
                        .map(v -> (Object) v));
    }

    /** Literal values: scalars, or a small map of scalars (a 2-element list would read back as a link). */
    static Arbitrary<Object> literal() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, scalar()),
                net.jqwik.api.Tuple.of(1, Arbitraries.maps(text(6), scalar()).ofMaxSize(3)
                        .map(m -> (Object) new LinkedHashMap<>(m))));
    }

    static Arbitrary<Map<String, Object>> extras(Set<String> reserved) {
        return Arbitraries.maps(text(8).filter(k -> !reserved.contains(k)), literal()).ofMaxSize(2);
    }

    static Arbitrary<InputValue> input(Arbitrary<String> ids) {
        return Arbitraries.oneOf(
                literal().map(Literal::new),
                Combinators.combine(ids, Arbitraries.integers().between(0, 1_000)).as(Link::new));
    }

    static Arbitrary<NodeInstance> node(String id, Arbitrary<String> ids, boolean withExtra) {
        Arbitrary<String> type = text(10).filter(t -> !t.isBlank());
        Arbitrary<Map<String, InputValue>> inputs = Arbitraries.maps(text(10), input(ids)).ofMaxSize(4);
        Arbitrary<Map<String, Object>> extra = withExtra
                ? extras(Set.of("type", "inputs", "mode", "class_type", "_meta")) : Arbitraries.just(Map.of());
        return Combinators.combine(type, inputs, Arbitraries.of(NodeMode.class), extra)
                .as((t, in, mode, ex) -> new NodeInstance(id, t, in, mode, ex));
    }

    static Arbitrary<Map<String, NodeInstance>> nodes(Arbitrary<String> ids, boolean withExtra) {
        return ids.list().uniqueElements().ofMinSize(1).ofMaxSize(6).flatMap(list -> {
            List<Arbitrary<NodeInstance>> each = list.stream().map(id -> node(id, ids, withExtra)).toList();
            return Combinators.combine(each).as(ns -> {
                Map<String, NodeInstance> m = new LinkedHashMap<>();
                ns.forEach(n -> m.put(n.id(), n));
                return m;
            });
        });
    }

    static Arbitrary<Layout> layout(Arbitrary<String> ids) {
        Arbitrary<NodeLayout> nl = Combinators.combine(finite(), finite(), finite(), finite(),
                        Arbitraries.of(true, false), text(8).injectNull(0.3),
                        extras(Set.of("x", "y", "width", "height", "collapsed", "title")))
                .as(NodeLayout::new);
        Arbitrary<Group> group = Combinators.combine(text(8).injectNull(0.2), finite(), finite(), finite(), finite(),
                text(7).injectNull(0.3)).as(Group::new);
        Arbitrary<Note> note = Combinators.combine(text(4).injectNull(0.2), text(40).injectNull(0.2), finite(),
                finite(), finite(), finite()).as(Note::new);
        Arbitrary<Reroute> reroute = Combinators.combine(text(4).injectNull(0.2), finite(), finite(),
                text(6).injectNull(0.3)).as(Reroute::new);
        return Combinators.combine(Arbitraries.maps(ids, nl).ofMaxSize(4), group.list().ofMaxSize(2),
                        note.list().ofMaxSize(2), reroute.list().ofMaxSize(2),
                        extras(Set.of("nodes", "groups", "notes", "reroutes")))
                .as(Layout::new);
    }

    @Provide
    Arbitrary<Workflow> workflows() {
        Arbitrary<String> ids = Arbitraries.oneOf(Arbitraries.integers().between(1, 40).map(String::valueOf),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(3).map(s -> s + ":" + s.length()),
                text(5).filter(s -> !s.isEmpty()));
        return Combinators.combine(text(16).injectNull(0.2), nodes(ids, true), layout(ids),
                        extras(Set.of("format", "name", "nodes", "layout")))
                .as((name, ns, layout, extra) -> new Workflow(Workflow.CURRENT_FORMAT, name, ns, layout, extra));
    }

    /** ComfyUI prompts: numeric or "12:3" ids, node extras (e.g. _meta titles) but no layout. */
    @Provide
    Arbitrary<Workflow> apiWorkflows() {
        Arbitrary<String> ids = Arbitraries.oneOf(Arbitraries.integers().between(1, 99).map(String::valueOf),
                Arbitraries.integers().between(1, 9).map(i -> i + ":" + (i + 1)));
        return nodes(ids, true).map(ns -> new Workflow(Workflow.CURRENT_FORMAT, "prompt", ns, Layout.empty(),
                Map.of()));
    }
}
