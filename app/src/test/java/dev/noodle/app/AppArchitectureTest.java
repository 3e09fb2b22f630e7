package dev.noodle.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The app reaches the engine only through node values and the {@code nodes.host} services (architecture.md, layers):
 * no class of {@code dev.noodle.app} depends on {@code dev.noodle.engine} or on DJL, except the short list below.
 */
class AppArchitectureTest {
    // the module's own compiled classes (scanning the whole class path for the package is slow)
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPath(Path.of("target", "classes"));

    /**
     * Command-line front ends of engine file tools, which involve no graph and so no node values: {@code noodle
     * convert} (pickle → safetensors, whose format errors it reports) and {@code noodle fetch-tokenizer}.
     */
    private static final List<String> ENGINE_ALLOWED = List.of(
            "dev.noodle.app.cli.ConvertCommand",
            "dev.noodle.app.cli.FetchTokenizerCommand");

    @Test
    void appReachesTheEngineOnlyThroughTheNodeLayer() {
        noClasses().that().resideInAPackage("dev.noodle.app..")
                .and().doNotHaveFullyQualifiedName(ENGINE_ALLOWED.get(0))
                .and().doNotHaveFullyQualifiedName(ENGINE_ALLOWED.get(1))
                .should().dependOnClassesThat().resideInAnyPackage("dev.noodle.engine..", "ai.djl..")
                .check(CLASSES);
    }

    @Test
    void allowedEngineUsersStillExist() {
        // an entry whose class went away must leave the list, so it only ever shrinks
        for (String name : ENGINE_ALLOWED) {
            assertTrue(CLASSES.contain(name), name + " is gone: remove it from the allow-list");
        }
        assertTrue(CLASSES.contain("dev.noodle.app.Main"), "imported the app's classes");
    }

    @Test
    void viewModelsDoNotDependOnViews() {
        noClasses().that().resideInAPackage("dev.noodle.app.ui.vm..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.noodle.app.ui.view..",
                        "dev.noodle.app.ui.canvas..")
                .check(CLASSES);
    }
}
