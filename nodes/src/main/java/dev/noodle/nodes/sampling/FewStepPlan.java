package dev.noodle.nodes.sampling;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.sampling.FewStepPresets.Preset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts a few-step preset into a workflow: on each chosen KSampler / KSamplerAdvanced its steps, cfg, sampler and
 * scheduler; the image size on the EmptyLatentImage feeding it where the preset has one (Turbo: 512×512); and the
 * ModelSamplingDiscrete {@code sampling} where the preset wants one (LCM: lcm, Lightning 1 step: x0) — on the
 * ModelSamplingDiscrete already on the sampler's model chain, else on one inserted just before the sampler. Pure: returns
 * a new workflow (the editor applies it as one undoable edit, the command line before running); any thread.
 */
public final class FewStepPlan {
    /** The sampler node types a preset sets. */
    public static final Set<String> SAMPLERS = Set.of("KSampler", "KSamplerAdvanced");
    /** The latent sources whose size a preset sets. */
    static final Set<String> LATENTS = Set.of("EmptyLatentImage");
    static final String MODEL_SAMPLING = "ModelSamplingDiscrete";
    private static final int MAX_CHAIN = 200;

    private FewStepPlan() {}

    /** The ids of the workflow's top-level samplers a preset can set, in the workflow's order. */
    public static List<String> samplers(Workflow wf) {
        List<String> out = new ArrayList<>();
        wf.nodes().values().forEach(n -> {
            if (SAMPLERS.contains(n.type())) {
                out.add(n.id());
            }
        });
        return out;
    }

    /** {@link #apply(Workflow, Preset, Collection)} on every sampler of the workflow. */
    public static Workflow apply(Workflow wf, Preset p) {
        return apply(wf, p, samplers(wf));
    }

    /**
     * The workflow with {@code p} set on the samplers {@code samplerIds} (others and unknown ids are left alone).
     *
     * @throws IllegalArgumentException when none of the ids is a KSampler or KSamplerAdvanced
     */
    public static Workflow apply(Workflow wf, Preset p, Collection<String> samplerIds) {
        List<String> ids = samplerIds.stream().filter(id -> wf.node(id) != null
                && SAMPLERS.contains(wf.node(id).type())).toList();
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("the workflow has no KSampler or KSamplerAdvanced to set the "
                    + p.id() + " preset on");
        }
        Workflow out = wf;
        for (String id : ids) {
            NodeInstance s = out.node(id)
                    .withInput("steps", Literal.of((long) p.steps()))
                    .withInput("cfg", Literal.of(p.cfg()))
                    .withInput("sampler_name", Literal.of(p.sampler()))
                    .withInput("scheduler", Literal.of(p.scheduler()));
            out = out.withNode(s);
            if (p.size() > 0 && s.input("latent_image") instanceof Link l && out.node(l.nodeId()) != null
                    && LATENTS.contains(out.node(l.nodeId()).type())) {
                out = out.withNode(out.node(l.nodeId()).withInput("width", Literal.of((long) p.size()))
                        .withInput("height", Literal.of((long) p.size())));
            }
            if (!p.modelSampling().isEmpty()) {
                out = withModelSampling(out, id, p.modelSampling());
            }
        }
        return out;
    }

    private static Workflow withModelSampling(Workflow wf, String samplerId, String sampling) {
        if (!(wf.node(samplerId).input("model") instanceof Link first)) {
            return wf; // nothing wired: validation names the missing model
        }
        Set<String> seen = new HashSet<>();
        Link at = first;
        for (int i = 0; i < MAX_CHAIN && at != null && seen.add(at.nodeId()); i++) {
            NodeInstance n = wf.node(at.nodeId());
            if (n == null) {
                break;
            }
            if (n.type().equals(MODEL_SAMPLING)) {
                return wf.withNode(n.withInput("sampling", Literal.of(sampling)));
            }
            at = n.input("model") instanceof Link up ? up : null;
        }
        String id = nextId(wf);
        Map<String, InputValue> inputs = new LinkedHashMap<>();
        inputs.put("model", first);
        inputs.put("sampling", Literal.of(sampling));
        inputs.put("zsnr", Literal.of(false));
        Workflow out = wf.withNode(NodeInstance.of(id, MODEL_SAMPLING, inputs))
                .withNode(wf.node(samplerId).withInput("model", Link.of(id, 0)));
        NodeLayout sl = wf.layout().nodes().get(samplerId);
        if (sl != null) {
            out = out.withLayout(out.layout().withNode(id, NodeLayout.at(sl.x() - 320, sl.y())));
        }
        return out;
    }

    private static String nextId(Workflow wf) {
        long max = 0;
        for (String id : wf.nodes().keySet()) {
            try {
                max = Math.max(max, Long.parseLong(id));
            } catch (NumberFormatException ignored) {
                // a non-numeric id takes no part in the numbering
            }
        }
        String id = String.valueOf(max + 1);
        while (wf.node(id) != null) {
            id = id + "_";
        }
        return id;
    }
}
