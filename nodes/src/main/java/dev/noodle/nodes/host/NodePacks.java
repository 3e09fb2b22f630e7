package dev.noodle.nodes.host;

import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.pack.NodeApi;
import dev.noodle.graph.pack.NodePack;
import dev.noodle.graph.pack.PackContext;
import dev.noodle.graph.pack.PackInfo;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads node packs: Noodle's own from its class path, and third-party jars from the {@code custom_nodes/} folder.
 *
 * <p>Each jar gets its own class loader (Noodle's as parent) and only the {@link NodePack} providers that jar defines
 * are used. A jar is refused, with one line naming it and what to do, when it is not a valid jar, names other jars
 * in its manifest's {@code Class-Path}, holds no pack, or when a pack has no usable name or version, needs a newer
 * node API, redefines a node type (Noodle's or another pack's), or throws while creating its nodes; the other jars
 * load anyway. Only {@code *.jar} files directly in the folder are opened: nothing else, nothing downloaded.
 *
 * <p>Immutable after loading; {@link #close()} closes the packs' class loaders (their nodes cannot run afterwards).
 */
public final class NodePacks implements AutoCloseable {
    /** The service file a pack jar lists its {@link NodePack} implementation in. */
    public static final String SERVICE_FILE = "META-INF/services/" + NodePack.class.getName();

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final List<PackInfo> loaded = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<URLClassLoader> loaders = new ArrayList<>();

    private NodePacks() {}

    /**
     * Registers the packs on Noodle's class path (its own nodes, {@link BuiltinNodes}); these are part of the
     * application, so a failure here is a broken installation and throws.
     *
     * @throws IllegalStateException when no pack is found or one fails
     */
    public static void registerBuiltins(NodeRegistry registry, NodeEnvironment env) {
        PackContext context = context(env);
        int count = 0;
        for (NodePack pack : ServiceLoader.load(NodePack.class, NodePacks.class.getClassLoader())) {
            List<NodeDefinition> nodes;
            try {
                nodes = pack.nodes(context);
            } catch (Exception e) {
                throw new IllegalStateException("Noodle's node pack '" + pack.name() + "' failed to load: "
                        + describe(e), e);
            }
            registry.registerPack(new PackInfo(pack.name(), pack.version(), null, types(nodes)), nodes);
            count++;
        }
        if (count == 0) {
            throw new IllegalStateException("no node pack on Noodle's class path (" + SERVICE_FILE
                    + " is missing from the nodes module); the installation is broken");
        }
    }

    /**
     * Loads every {@code *.jar} directly in {@code custom.folder()} into {@code registry}, in file name order; what was
     * refused is in {@link #problems()}. Loads nothing when custom nodes are disabled or the folder does not exist.
     */
    public static NodePacks load(CustomNodes custom, NodeRegistry registry, NodeEnvironment env) {
        NodePacks packs = new NodePacks();
        if (!custom.enabled() || !Files.exists(custom.folder())) {
            return packs;
        }
        Path folder = custom.folder();
        if (!Files.isDirectory(folder)) {
            packs.problems.add(shown(folder) + " is not a folder; custom node packs go in a folder of that name"
                    + " beside the models folder. No pack was loaded.");
            return packs;
        }
        List<Path> jars;
        try (Stream<Path> list = Files.list(folder)) {
            jars = list.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar"))
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            packs.problems.add("cannot list " + shown(folder) + " (" + describe(e) + "); no custom node pack was"
                    + " loaded");
            return packs;
        }
        PackContext context = context(env);
        for (Path jar : jars) {
            packs.loadJar(jar, registry, context);
        }
        return packs;
    }

    /** The third-party packs loaded, in load order. */
    public List<PackInfo> loaded() {
        return List.copyOf(loaded);
    }

    /** One line per refused jar or pack, naming it and what to do. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** The line a front end prints when third-party packs were loaded: what they are, and which. */
    public Optional<String> notice() {
        return notice(loaded);
    }

    /**
     * The notice for the custom packs among {@code packs} (e.g. {@link NodeRegistry#packs()}): that they run as code
     * with Noodle's rights, naming each with its jar; empty when there are none.
     */
    public static Optional<String> notice(List<PackInfo> packs) {
        List<String> named = packs.stream().filter(PackInfo::custom)
                .map(p -> p.label() + " (" + shown(p.source()) + ")").toList();
        if (named.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("custom node packs are code you chose to run, with Noodle's rights over your files and"
                + " network: " + String.join(", ", named) + ". Start with --disable-custom-nodes to leave them out.");
    }

    /** The folder or jar as shown in messages: relative to the working folder when it is inside it. */
    public static String shown(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path here = Path.of("").toAbsolutePath().normalize();
        return abs.startsWith(here) && !abs.equals(here) ? here.relativize(abs).toString() : abs.toString();
    }

    private void loadJar(Path jar, NodeRegistry registry, PackContext context) {
        String where = shown(jar);
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            if (manifest != null && manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH) != null) {
                problems.add(where + " names other jars in its manifest's Class-Path; a node pack must be one"
                        + " self-contained jar. It was not loaded.");
                return;
            }
            if (file.getEntry(SERVICE_FILE) == null) {
                problems.add(where + " holds no node pack (it has no " + SERVICE_FILE + "); remove it or replace"
                        + " it with a Noodle node pack jar.");
                return;
            }
        } catch (IOException | SecurityException e) {
            problems.add(where + " is not a valid jar (" + describe(e) + "); remove it or replace it.");
            return;
        }
        URLClassLoader loader;
        try {
            loader = new URLClassLoader("node pack " + jar.getFileName(), new URL[] {jar.toUri().toURL()},
                    NodePacks.class.getClassLoader());
        } catch (MalformedURLException e) {
            problems.add(where + " cannot be opened (" + describe(e) + "); it was not loaded.");
            return;
        }
        List<NodePack> found = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<NodePack> p : ServiceLoader.load(NodePack.class, loader).stream().toList()) {
                if (p.type().getClassLoader() == loader) { // not Noodle's own, seen through the parent
                    found.add(p.get());
                }
            }
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            problems.add(where + ": its node pack could not be created (" + describe(e) + "); it was not loaded.");
            close(loader);
            return;
        }
        if (found.isEmpty()) {
            problems.add(where + " lists no node pack class of its own in " + SERVICE_FILE + "; it was not loaded.");
            close(loader);
            return;
        }
        int before = loaded.size();
        for (NodePack pack : found) {
            loadPack(pack, jar, where, registry, context);
        }
        if (loaded.size() == before) {
            close(loader);
        } else {
            loaders.add(loader);
        }
    }

    private void loadPack(NodePack pack, Path jar, String where, NodeRegistry registry, PackContext context) {
        String cls = pack.getClass().getName();
        String name;
        String version;
        int api;
        try {
            name = pack.name();
            version = pack.version();
            api = pack.apiVersion();
        } catch (RuntimeException | LinkageError e) {
            problems.add(where + ": node pack " + cls + " failed to say its name and version (" + describe(e)
                    + "); it was not loaded.");
            return;
        }
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(where + ": node pack " + cls + " has no usable name (" + (name == null ? "none" : "'" + name
                    + "'") + "); a name is letters, digits, '.', '-' and '_'. It was not loaded.");
            return;
        }
        if (version == null || version.isBlank()) {
            problems.add(where + ": node pack '" + name + "' states no version; it was not loaded.");
            return;
        }
        String label = "node pack '" + name + " " + version + "'";
        if (api > NodeApi.VERSION || api < 1) {
            problems.add(where + ": " + label + " was written for node API " + api + ", and this Noodle has API "
                    + NodeApi.VERSION + "; " + (api > NodeApi.VERSION ? "update Noodle or " : "")
                    + "use a version of the pack built for API " + NodeApi.VERSION + ". It was not loaded.");
            return;
        }
        List<NodeDefinition> nodes;
        List<String> types = new ArrayList<>();
        try {
            nodes = pack.nodes(context);
            if (nodes == null) {
                throw new IllegalStateException("nodes() returned null");
            }
            for (NodeDefinition d : nodes) {
                NodeSchema schema = d == null ? null : d.schema();
                if (schema == null) {
                    throw new IllegalStateException("a node " + (d == null ? "is null" : d.getClass().getName()
                            + " has no schema"));
                }
                for (InputSpec in : schema.inputs()) {
                    if (in instanceof ComboInput combo) {
                        combo.currentOptions(); // its options are pack code the editor and validator call later
                    }
                }
                types.add(schema.type());
            }
        } catch (Exception | LinkageError | StackOverflowError e) {
            problems.add(where + ": " + label + " failed while creating its nodes (" + describe(e)
                    + "); it was not loaded.");
            return;
        }
        try {
            registry.registerPack(new PackInfo(name, version, jar.toAbsolutePath().normalize(), types), nodes);
        } catch (IllegalArgumentException e) {
            problems.add(where + ": " + e.getMessage() + ". The pack was not loaded.");
            return;
        }
        registry.packs().stream().filter(p -> p.name().equals(name)).findFirst().ifPresent(loaded::add);
    }

    @Override
    public void close() {
        loaders.forEach(NodePacks::close);
        loaders.clear();
    }

    private static void close(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // the jar stays open until exit; nothing else depends on it
        }
    }

    private static List<String> types(List<NodeDefinition> nodes) {
        return nodes.stream().map(d -> d.schema().type()).toList();
    }

    /** The host services a pack may ask for while creating its nodes. */
    private static PackContext context(NodeEnvironment env) {
        return new PackContext() {
            @Override
            public <T> T service(Class<T> type) {
                if (type == NodeEnvironment.class) {
                    return type.cast(env);
                }
                throw new IllegalStateException("Noodle offers node packs no " + type.getName() + " while they load"
                        + " (only " + NodeEnvironment.class.getName() + "); ask NodeContext.service at run time");
            }
        };
    }

    /** The exception's class and message, and its cause's when it only wraps one. */
    private static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof ServiceConfigurationError || t instanceof java.lang.reflect.InvocationTargetException
                || t instanceof ExceptionInInitializerError) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
