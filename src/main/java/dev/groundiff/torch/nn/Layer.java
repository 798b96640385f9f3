package dev.groundiff.torch.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Base class of Groundiff's modules. Registers parameters, buffers and children under their
 * PyTorch names and hands back the caller's own handle.
 *
 * <p>Why not keep what {@code register_parameter} returns: in this Bytedeco build it is a reference
 * into the module's parameter table, which moves when the next parameter is registered; a field
 * holding it then points at freed memory (seen as wrong shapes and crashes). The tensor we created
 * shares its storage and autograd state with the registered one, so it is the handle to keep.
 *
 * <p>Why children are also kept in a Java list: libtorch's recursive virtual calls ({@code to(dtype)},
 * {@code train(bool)}) call back into each child's Java object, which JavaCPP only references weakly.
 * A child no field holds (e.g. a container like {@code ff.net}) could be garbage-collected, and the
 * call then fails with a NullPointerException from deep in the tree.
 */
public abstract class Layer extends Module {
    private final List<Module> children = new ArrayList<>();

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
