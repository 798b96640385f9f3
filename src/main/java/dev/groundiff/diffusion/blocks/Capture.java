package dev.groundiff.diffusion.blocks;

import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * What one forward call collects besides its result: module outputs by diffusers module path (the
 * verification path that tests compare with the reference's forward hooks) and cross-attention
 * probabilities by the path of their {@code attn2} (the feature taps).
 *
 * <p>Passed down the module tree per call, never stored in a module. {@link #NONE} collects nothing
 * and costs nothing: {@link #at} returns it unchanged, so no path string is built.
 */
public final class Capture {
    public static final Capture NONE = new Capture("", null, null);

    private final String path;
    private final Map<String, Tensor> outputs;
    private final Map<String, Tensor> attentionProbs;

    private Capture(String path, Map<String, Tensor> outputs, Map<String, Tensor> attentionProbs) {
        this.path = path;
        this.outputs = outputs;
        this.attentionProbs = attentionProbs;
    }

    /** A root capture; either map may be null (not collected). Both null gives {@link #NONE}. */
    public static Capture of(Map<String, Tensor> outputs, Map<String, Tensor> attentionProbs) {
        return outputs == null && attentionProbs == null ? NONE : new Capture("", outputs, attentionProbs);
    }

    /** The scope of child module {@code name}. */
    public Capture at(String name) {
        if (this == NONE) return this;
        return new Capture(path.isEmpty() ? name : path + "." + name, outputs, attentionProbs);
    }

    /** The scope of child {@code index} of list {@code name} ({@code resnets.0}). */
    public Capture at(String name, int index) {
        if (this == NONE) return this;
        return at(name + "." + index);
    }

    /** Records {@code t} as this module's output and returns it. */
    public Tensor output(Tensor t) {
        if (outputs != null) outputs.put(path, t);
        return t;
    }

    /** Records a secondary output under {@code <path><suffix>} (e.g. {@code :res_samples.0}). */
    public void output(String suffix, Tensor t) {
        if (outputs != null) outputs.put(path + suffix, t);
    }

    public boolean wantsAttentionProbs() {
        return attentionProbs != null;
    }

    public void attentionProbs(Tensor probs) {
        if (attentionProbs != null) attentionProbs.put(path, probs);
    }

    public String path() {
        return path;
    }
}
