package dev.noodle.app.packs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.NodeSearch;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.pack.PackInfo;
import dev.noodle.nodes.host.CustomNodes;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodePacks;
import dev.noodle.nodes.host.NoodleNodes;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading packs from {@code custom_nodes/}: what is loaded, what is refused and why, and how the editor finds them. */
class NodePacksTest {
    private static NodeEnvironment env(Path home) {
        return NodeEnvironment.of(home.resolve("models"), home.resolve("output"));
    }

    private static NodePacks load(Path home, NodeRegistry registry) {
        return NodePacks.load(CustomNodes.besideModels(home.resolve("models")), registry, env(home));
    }

    @Test
    void theFolderIsBesideTheModelsFolder(@TempDir Path home) {
        assertEquals(home.resolve("custom_nodes").toAbsolutePath().normalize(),
                CustomNodes.besideModels(home.resolve("models")).folder());
        assertEquals(home.resolve("custom_nodes").toAbsolutePath().normalize(),
                CustomNodes.of(false, home.resolve("models/../models")).folder());
        assertFalse(CustomNodes.of(true, home.resolve("models")).enabled());
    }

    @Test
    void builtInNodesAreOnePackAndTheExampleIsAnother(@TempDir Path home) throws Exception {
        Path jar = PackJars.example(home.resolve("custom_nodes/example-pack.jar"));
        NodeRegistry registry = NoodleNodes.standardRegistry(env(home));
        try (NodePacks packs = load(home, registry)) {
            assertEquals(List.of(), packs.problems());
            List<PackInfo> all = registry.packs();
            assertEquals(List.of("noodle", "example-pack"), all.stream().map(PackInfo::name).toList());
            assertFalse(all.get(0).custom());
            assertTrue(all.get(0).nodeTypes().contains("KSampler"));
            assertEquals(List.of("ExampleInvertImage", "ExampleImageBrightness"), all.get(1).nodeTypes());
            assertEquals(jar.toAbsolutePath().normalize(), all.get(1).source());
            assertEquals(List.of(all.get(1)), packs.loaded());
            assertEquals("example-pack", registry.packOf("ExampleInvertImage").orElseThrow().name());
            assertTrue(packs.notice().orElseThrow().contains("example-pack 1.0.0 (" + NodePacks.shown(jar) + ")"));
        }
    }

    @Test
    void theEditorSearchShowsAndFindsThePack(@TempDir Path home) throws Exception {
        PackJars.example(home.resolve("custom_nodes/example-pack.jar"));
        NodeRegistry registry = NoodleNodes.standardRegistry(env(home));
        try (NodePacks packs = load(home, registry)) {
            assertEquals(1, packs.loaded().size());
            NodeSearch search = new NodeSearch(registry);
            NodeSearch.Hit byPack = search.search("example-pack", 5).get(0);
            assertEquals("example-pack", byPack.pack());
            assertTrue(byPack.title().endsWith(" — example-pack"), byPack.title());
            // Noodle's own ImageInvert has ComfyUI's name "Invert Image" too: both rank first, the pack's node
            // with its pack beside the name
            List<String> inverts = search.search("invert image", 5).stream().map(NodeSearch.Hit::title).toList();
            assertEquals(Set.of("Invert Image", "Invert Image — example-pack"), Set.copyOf(inverts.subList(0, 2)));
            NodeSearch.Hit ks = search.search("KSampler", 1).get(0);
            assertEquals("KSampler", ks.title(), "Noodle's own nodes show no pack");
        }
    }

    @Test
    void jarsThatAreNotSelfContainedPacksAreRefusedByName(@TempDir Path home) throws Exception {
        Path folder = home.resolve("custom_nodes");
        Files.createDirectories(folder);
        // a jar with a Class-Path that would pull in other jars
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, "../models/other.jar");
        try (OutputStream out = Files.newOutputStream(folder.resolve("a-classpath.jar"));
                JarOutputStream j = new JarOutputStream(out, m)) {
            j.putNextEntry(new JarEntry(NodePacks.SERVICE_FILE));
            j.write("x.Y\n".getBytes());
        }
        // a plain library jar
        try (OutputStream out = Files.newOutputStream(folder.resolve("b-library.jar"));
                JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("README"));
        }
        // a services file naming a class the jar lacks
        PackJars.build(folder.resolve("c-missing.jar"), Map.of(), "no.such.Pack\n", Set.of());
        // a jar in a sub-folder is not loaded at all
        PackJars.example(folder.resolve("sub/example-pack.jar"));
        // two jars with packs of the same name: the second is refused
        PackJars.example(folder.resolve("d-example.jar"));
        PackJars.example(folder.resolve("e-example-again.jar"));

        NodeRegistry registry = NoodleNodes.standardRegistry(env(home));
        try (NodePacks packs = load(home, registry)) {
            List<String> p = packs.problems();
            assertEquals(4, p.size(), p.toString());
            assertTrue(p.get(0).contains("a-classpath.jar names other jars in its manifest's Class-Path"), p.get(0));
            assertTrue(p.get(1).contains("b-library.jar holds no node pack (it has no " + NodePacks.SERVICE_FILE),
                    p.get(1));
            assertTrue(p.get(2).contains("c-missing.jar: its node pack could not be created (")
                    && p.get(2).contains("no.such.Pack"), p.get(2));
            assertTrue(p.get(3).contains("e-example-again.jar: a node pack named 'example-pack' is already loaded"),
                    p.get(3));
            assertEquals(List.of("noodle", "example-pack"), registry.packs().stream().map(PackInfo::name).toList());
            assertEquals(folder.resolve("d-example.jar").toAbsolutePath().normalize(),
                    registry.packs().get(1).source());
        }
    }

    @Test
    void aPackWhoseComboOptionsThrowIsRefusedAtLoad(@TempDir Path home) throws Exception {
        PackJars.build(home.resolve("custom_nodes/combo.jar"), Map.of("test/combo/ComboPack.java", """
                package test.combo;

                import dev.noodle.graph.node.*;
                import dev.noodle.graph.pack.*;
                import dev.noodle.graph.spec.*;
                import java.util.List;

                public final class ComboPack implements NodePack {
                    public String name() { return "combo-pack"; }
                    public String version() { return "1"; }
                    public List<NodeDefinition> nodes(PackContext context) { return List.of(new Pick()); }

                    static final class Pick extends Node {
                        Pick() {
                            super(NodeSchema.builder("ComboPick").category("combo").input(ComboInput.dynamic("file",
                                    () -> { throw new IllegalStateException("no such folder"); }))
                                    .output(PortType.LATENT));
                        }
                        public NodeOutputs execute(NodeContext ctx) { return NodeOutputs.of(); }
                    }
                }
                """), "test.combo.ComboPack\n", Set.of());
        NodeRegistry registry = NoodleNodes.standardRegistry(env(home));
        try (NodePacks packs = load(home, registry)) {
            assertEquals(List.of(NodePacks.shown(home.resolve("custom_nodes/combo.jar")) + ": node pack 'combo-pack 1'"
                    + " failed while creating its nodes (IllegalStateException: no such folder); it was not loaded."),
                    packs.problems());
            assertTrue(registry.find("ComboPick").isEmpty());
        }
    }

    @Test
    void noFolderOrDisabledLoadsNothing(@TempDir Path home) throws Exception {
        NodeRegistry registry = NoodleNodes.standardRegistry(env(home));
        try (NodePacks packs = load(home, registry)) {
            assertEquals(List.of(), packs.problems());
            assertTrue(packs.notice().isEmpty());
        }
        TestPacks.notAJar(home.resolve("custom_nodes/bad.jar"));
        try (NodePacks packs = NodePacks.load(CustomNodes.disabled(), registry, env(home))) {
            assertEquals(List.of(), packs.problems());
        }
        assertEquals(1, registry.packs().size());
    }
}
