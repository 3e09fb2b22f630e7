package dev.noodle.graph;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** graph-core stays headless: no DJL, JavaFX or Guice (architecture.md, layers). */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.noodle.graph");

    @Test
    void graphCoreDependsOnNoDjlJavaFxOrGuice() {
        noClasses().that().resideInAPackage("dev.noodle.graph..")
                .should().dependOnClassesThat().resideInAnyPackage("ai.djl..", "javafx..", "com.google.inject..")
                .check(CLASSES);
    }

    @Test
    void modelAndSpecsDoNotDependOnExecution() {
        noClasses().that().resideInAnyPackage("dev.noodle.graph.model..", "dev.noodle.graph.spec..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.noodle.graph.exec..",
                        "dev.noodle.graph.json..", "dev.noodle.graph.edit..")
                .check(CLASSES);
    }
}
