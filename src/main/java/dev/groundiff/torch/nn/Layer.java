package dev.groundiff.torch.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Base class of Groundiff's modules. Registers parameters, buffers and children under their
 * PyTorch names and hands back the caller's own handle.
 *
 * <p>Why not keep what {@code register_parameter} returns: in this Bytedeco build it is a reference
 * into the module's parameter table, which moves when the next parameter is registered; a field
 * holding it then points at freed memory (seen as wrong shapes and crashes). The tensor we created
 * shares its storage and autograd state with the registered one, so it is the handle to keep.
 */
public abstract class Layer extends Module {
    /**
     * Java handles of the children: the native module tree holds them, but a child no field refers to
     * would otherwise be garbage-collected and its native half freed under the parent.
     */
    private final java.util.List<Module> children = new java.util.ArrayList<>();

    protected final Tensor param(String name, Tensor t) {
        register_parameter(name, t);
        return t;
    }

    protected final Tensor buffer(String name, Tensor t) {
        register_buffer(name, t);
        return t;
    }

    protected final <M extends Module> M child(String name, M m) {
        register_module(name, m);
        children.add(m);
        return m;
    }
}
