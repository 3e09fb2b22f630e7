package dev.noodle.app.ui;

import com.google.inject.Injector;
import dev.noodle.app.ui.view.MainWindow;
import java.util.concurrent.atomic.AtomicReference;
import javafx.application.Application;
import javafx.stage.Stage;

/** The JavaFX application; gets its injector from {@link EditorLauncher} (JavaFX creates this class itself). */
public final class EditorApplication extends Application {
    static final AtomicReference<Injector> INJECTOR = new AtomicReference<>();

    @Override
    public void start(Stage stage) {
        Injector injector = INJECTOR.get();
        if (injector == null) {
            throw new IllegalStateException("Start the editor through EditorLauncher.launch(options)");
        }
        MainWindow window = new MainWindow(injector.getInstance(EditorComponents.class), stage);
        stage.show();
        window.start();
    }
}
