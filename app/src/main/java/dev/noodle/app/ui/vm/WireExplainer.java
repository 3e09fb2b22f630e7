package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Says what flows on a wire, from a static reading of the graph upstream of it (no run needed): "MODEL: the UNet of
 * v1-5-pruned-emaonly with 2 LoRA patches", "CLIP: the text encoder of v1-5, clip skip −2", "LATENT: 512×512 batch
 * 1". It follows same-typed inputs upstream (a LoRA loader's model in → model out) to the loader, counting patches
 * and reading the literals that matter. A pure function of the workflow and schemas; thread-safe.
 */
public final class WireExplainer {
    private WireExplainer() {}

    /**
     * Explains the value leaving output {@code outIndex} of node {@code nodeId}.
     *
     * @param schemas the schema of a node type, empty for unknown types
     */
    public static String explain(Workflow wf, Function<String, Optional<NodeSchema>> schemas, String nodeId,
            int outIndex) {
        NodeInstance node = wf.nodes().get(nodeId);
        if (node == null) {
            return "";
        }
        Optional<NodeSchema> schema = schemas.apply(node.type())
                .or(() -> Optional.of(PlaceholderNode.of(wf, node, schemas).schema())); // an uninstalled type
        if (outIndex < 0 || outIndex >= schema.get().outputs().size()
                || schema.get().outputs().get(outIndex).type().equals(PortType.ANY)) {
            return "a value from " + node.type() + " (unknown node type: nothing is known about it)";
        }
        PortType type = schema.get().outputs().get(outIndex).type();
        Reader r = new Reader(wf, schemas);
        String what = switch (type.name()) {
            case "MODEL" -> r.model(nodeId);
            case "CLIP" -> r.clip(nodeId);
            case "VAE" -> r.vae(nodeId);
            case "LATENT" -> r.latent(nodeId);
            case "IMAGE" -> r.image(nodeId);
            case "CONDITIONING" -> r.conditioning(nodeId);
            default -> null;
        };
        return type.name() + ": " + (what == null ? PortTypeInfo.describe(type) : what);
    }

    /** Walks the graph of one workflow. */
    private record Reader(Workflow wf, Function<String, Optional<NodeSchema>> schemas) {
        String model(String id) {
            List<NodeInstance> chain = chain(id, PortType.MODEL);
            String of = source(chain.getLast(), "UNet");
            return of + patches(chain);
        }

        String clip(String id) {
            List<NodeInstance> chain = chain(id, PortType.CLIP);
            StringBuilder s = new StringBuilder(source(chain.getLast(), "text encoder"));
            String patches = patches(chain);
            for (NodeInstance n : chain) {
                if (n.type().equals("CLIPSetLastLayer")) {
                    Object v = value(n, "stop_at_clip_layer");
                    if (v instanceof Number num) {
                        s.append(", clip skip ").append(signed(num.longValue())).append(patches.isEmpty() ? "" : ",");
                    }
                    break; // the one nearest the wire wins
                }
            }
            return s + patches;
        }

        String vae(String id) {
            return source(chain(id, PortType.VAE).getLast(), "VAE");
        }

        String latent(String id) {
            List<NodeInstance> chain = chain(id, PortType.LATENT);
            long w = -1;
            long h = -1;
            long batch = 1;
            int samplers = 0;
            long steps = 0;
            String from = null;
            for (NodeInstance n : chain.reversed()) { // source first
                switch (n.type()) {
                    case "EmptyLatentImage", "EmptySD3LatentImage" -> {
                        w = num(n, "width", 512);
                        h = num(n, "height", 512);
                        batch = num(n, "batch_size", 1);
                        from = "empty";
                    }
                    case "VAEEncode", "VAEEncodeForInpaint" -> from = "encoded from an image";
                    case "LatentUpscale" -> {
                        w = num(n, "width", w);
                        h = num(n, "height", h);
                    }
                    case "LatentUpscaleBy" -> {
                        double by = value(n, "scale_by") instanceof Number x ? x.doubleValue() : 1;
                        w = Math.round(w * by);
                        h = Math.round(h * by);
                    }
                    case "RepeatLatentBatch" -> batch *= num(n, "amount", 1);
                    default -> {
                        if (n.type().contains("Sampler")) {
                            samplers++;
                            steps += num(n, "steps", 0);
                        }
                    }
                }
            }
            StringBuilder s = new StringBuilder();
            if (w > 0 && h > 0) {
                s.append(w).append('×').append(h).append(" batch ").append(batch);
            } else {
                s.append(from != null ? from : "a latent image");
                from = null;
            }
            if (samplers > 0) {
                s.append(", denoised by ").append(samplers == 1 ? "1 sampler" : samplers + " samplers")
                        .append(steps > 0 ? " (" + steps + " steps)" : "");
            } else if ("empty".equals(from)) {
                s.append(", empty (the sampler starts it from noise)");
            } else if (from != null) {
                s.append(", ").append(from);
            }
            return s.toString();
        }

        String image(String id) {
            List<NodeInstance> chain = chain(id, PortType.IMAGE);
            NodeInstance src = chain.getLast();
            if (src.type().startsWith("VAEDecode")) {
                String latent = upstream(src, PortType.LATENT).map(this::latent).orElse("a latent");
                String vae = upstream(src, PortType.VAE).map(this::vae).orElse("a VAE");
                return latent + ", decoded by " + vae;
            }
            Object file = value(src, "image");
            return file instanceof String f && !f.isBlank() ? "the image file " + f : null;
        }

        String conditioning(String id) {
            List<NodeInstance> chain = chain(id, PortType.CONDITIONING);
            NodeInstance src = chain.getLast();
            if (!(value(src, "text") instanceof String text)) {
                return null;
            }
            String clip = upstream(src, PortType.CLIP).map(this::clip).orElse("an unconnected text encoder");
            return "the prompt “" + shorten(text, 48) + "” encoded by " + clip;
        }

        /** The node and, following its input of the same type, each one upstream (nearest first), cycle-safe. */
        List<NodeInstance> chain(String id, PortType type) {
            List<NodeInstance> chain = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            NodeInstance n = wf.nodes().get(id);
            while (n != null && seen.add(n.id())) {
                chain.add(n);
                n = upstream(n, type).map(wf.nodes()::get).orElse(null);
            }
            return chain;
        }

        /** The node feeding {@code n}'s first linked input of this type, by schema (or by name when unknown). */
        Optional<String> upstream(NodeInstance n, PortType type) {
            Optional<NodeSchema> schema = schemas.apply(n.type());
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (!(in.getValue() instanceof Link link)) {
                    continue;
                }
                boolean sameType = schema.isPresent()
                        ? schema.get().input(in.getKey()).filter(s -> s instanceof SocketInput so
                                && so.type().equals(type)).isPresent()
                        : in.getKey().equalsIgnoreCase(type.name());
                if (sameType) {
                    return Optional.of(link.nodeId());
                }
            }
            return Optional.empty();
        }

        /** "the UNet of v1-5-pruned-emaonly" from the loader's file name, or the node's type. */
        String source(NodeInstance loader, String part) {
            for (Map.Entry<String, InputValue> in : loader.inputs().entrySet()) {
                if (in.getKey().endsWith("_name") && in.getValue() instanceof Literal l && l.value() instanceof String f
                        && !f.isBlank()) {
                    if (loader.type().equals("CheckpointLoaderSimple") || loader.type().startsWith("CheckpointLoader")) {
                        return "the " + part + " of " + stem(f);
                    }
                    return "the " + part + " from " + stem(f);
                }
            }
            return "the " + part + " from " + loader.type() + " (node " + loader.id() + ")";
        }

        /** " with 2 LoRA patches and 1 hypernetwork, through FreeU (not installed)" or "". */
        String patches(List<NodeInstance> chain) {
            int loras = 0;
            int hypernets = 0;
            List<String> unknown = new ArrayList<>();
            for (NodeInstance n : chain) {
                String t = n.type().toLowerCase(Locale.ROOT);
                if (schemas.apply(n.type()).isEmpty()) {
                    unknown.add(n.type());
                } else if (t.contains("lora") || t.contains("lycoris")) {
                    loras++;
                } else if (t.contains("hypernetwork")) {
                    hypernets++;
                }
            }
            List<String> parts = new ArrayList<>();
            if (loras > 0) {
                parts.add(loras + (loras == 1 ? " LoRA patch" : " LoRA patches"));
            }
            if (hypernets > 0) {
                parts.add(hypernets + (hypernets == 1 ? " hypernetwork" : " hypernetworks"));
            }
            String with = parts.isEmpty() ? "" : " with " + String.join(" and ", parts);
            return unknown.isEmpty() ? with
                    : with + ", through " + String.join(", ", unknown) + " (not installed: its effect is unknown)";
        }

        /** The literal of an input, or its schema default; null when neither is known. */
        Object value(NodeInstance n, String input) {
            InputValue v = n.inputs().get(input);
            if (v instanceof Literal l) {
                return l.value();
            }
            if (v instanceof Link) {
                return null;
            }
            Optional<InputSpec> spec = schemas.apply(n.type()).flatMap(s -> s.input(input));
            return spec.map(GraphEditorViewModel::defaultValue).orElse(null);
        }

        long num(NodeInstance n, String input, long fallback) {
            return value(n, input) instanceof Number x ? x.longValue() : fallback;
        }
    }

    /** A file name without folders and extension. */
    static String stem(String file) {
        String name = file.substring(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** "−2" with a true minus sign, "+1" never (positive values are shown bare). */
    static String signed(long v) {
        return v < 0 ? "−" + -v : Long.toString(v);
    }

    private static String shorten(String text, int max) {
        String one = text.strip().replaceAll("\\s+", " ");
        return one.length() <= max ? one : one.substring(0, max - 1) + "…";
    }
}
