package dev.noodle.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The app reaches the engine only through node values and the {@code nodes.host} services (architecture.md, layers):
 * no class of {@code dev.noodle.app} depends on {@code dev.noodle.engine} or on DJL (the file tools of the command line
 * go through {@code nodes.host.ModelFileTools} too).
 */
class AppArchitectureTest {
    // the module's own compiled classes (scanning the whole class path for the package is slow)
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPath(Path.of("target", "classes"));

    @Test
    void appReachesTheEngineOnlyThroughTheNodeLayer() {
        noClasses().that().resideInAPackage("dev.noodle.app..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.noodle.engine..", "ai.djl..")
                .check(CLASSES);
    }

    @Test
    void importedTheAppClasses() {
        assertTrue(CLASSES.contain("dev.noodle.app.Main"));
    }

    @Test
    void viewModelsDoNotDependOnViews() {
        noClasses().that().resideInAPackage("dev.noodle.app.ui.vm..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.noodle.app.ui.view..",
                        "dev.noodle.app.ui.canvas..")
                .check(CLASSES);
    }
}
