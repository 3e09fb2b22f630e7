package dev.noodle.nodes;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The two worlds of the nodes module (architecture.md, layers): the engine is a pure inference library that knows
 * nothing of graphs or nodes, and the node adapters are headless (no app, JavaFX or Guice).
 */
class NodesArchitectureTest {
    // the module's own compiled classes (scanning the whole class path for the package is slow)
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPath(Path.of("target", "classes"));

    @Test
    void engineKnowsNothingOfGraphsOrNodes() {
        noClasses().that().resideInAPackage("dev.noodle.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.noodle.nodes..", "dev.noodle.graph..")
                .check(CLASSES);
    }

    @Test
    void engineReadsNoSystemProperties() {
        // engine settings arrive as an EngineOptions record built by the host; EngineStatus only reads the JDK's
        // user.home to name DJL's cache folder in its message
        noClasses().that().resideInAPackage("dev.noodle.engine..")
                .and().doNotHaveFullyQualifiedName("dev.noodle.engine.runtime.EngineStatus")
                .should().callMethod(System.class, "getProperty", String.class)
                .orShould().callMethod(System.class, "getProperty", String.class, String.class)
                .orShould().callMethod(Boolean.class, "getBoolean", String.class)
                .orShould().callMethod(Integer.class, "getInteger", String.class)
                .check(CLASSES);
    }

    @Test
    void nodeRoomsAreHeadless() {
        noClasses().that().resideInAPackage("dev.noodle.nodes..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.noodle.app..", "javafx..",
                        "com.google.inject..")
                .check(CLASSES);
    }

    @Test
    void importedBothWorlds() {
        assertTrue(CLASSES.contain("dev.noodle.engine.runtime.EngineOptions"));
        assertTrue(CLASSES.contain("dev.noodle.nodes.host.NoodleNodes"));
    }
}
