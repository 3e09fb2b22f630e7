package dev.noodle.graph;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** graph-core stays headless: no DJL, JavaFX or Guice (architecture.md, layers); its file utilities are JDK only. */
class ArchitectureTest {
    // the module's own compiled classes (scanning the whole class path for the package is slow)
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPath(Path.of("target", "classes"));

    @Test
    void graphCoreDependsOnNoDjlJavaFxOrGuice() {
        noClasses().that().resideInAPackage("dev.noodle.graph..")
                .should().dependOnClassesThat().resideInAnyPackage("ai.djl..", "javafx..", "com.google.inject..")
                .check(CLASSES);
    }

    @Test
    void sharedFileUtilitiesUseTheJdkOnly() {
        // dev.noodle.io is used by the engine, which must not see the graph: it may depend on nothing of Noodle's
        noClasses().that().resideInAPackage("dev.noodle.io..")
                .should().dependOnClassesThat().resideOutsideOfPackages("java..", "dev.noodle.io..")
                .check(CLASSES);
    }

    @Test
    void importedTheGraphClasses() {
        org.junit.jupiter.api.Assertions.assertTrue(CLASSES.contain("dev.noodle.graph.exec.GraphExecutor"));
    }

    @Test
    void modelAndSpecsDoNotDependOnExecution() {
        noClasses().that().resideInAnyPackage("dev.noodle.graph.model..", "dev.noodle.graph.spec..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.noodle.graph.exec..",
                        "dev.noodle.graph.json..", "dev.noodle.graph.edit..")
                .check(CLASSES);
    }
}
