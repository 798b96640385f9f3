package dev.groundiff.io;

/**
 * The placeholder for an object a pickle would build by calling a global outside the tensor
 * allow-list ({@code REDUCE}, {@code NEWOBJ}, {@code INST}, {@code OBJ}): nothing is called, the
 * placeholder only records which global, the arguments and the state a {@code BUILD} gave it.
 * Identity semantics, as Python objects hash by default.
 */
public final class Opaque {
    private final PickleGlobal global;
    private final Object args;
    private Object state;
    private final java.util.List<Object> items = new java.util.ArrayList<>();

    Opaque(PickleGlobal global, Object args) {
        this.global = global;
        this.args = args;
    }

    /** The global the pickle would have called; null when the callable was itself not a global. */
    public PickleGlobal global() {
        return global;
    }

    public Object args() {
        return args;
    }

    /** The state a {@code BUILD} opcode passed, or null. */
    public Object state() {
        return state;
    }

    void setState(Object state) {
        this.state = state;
    }

    /**
     * What APPEND/APPENDS/SETITEM(S) gave this object (Python would have called its methods): list
     * items as they are, dict items as alternating keys and values.
     */
    public java.util.List<Object> items() {
        return java.util.Collections.unmodifiableList(items);
    }

    void addItems(java.util.List<Object> more) {
        items.addAll(more);
    }

    @Override
    public String toString() {
        // deliberately not printing args/state: they may be cyclic
        return "<opaque " + (global == null ? "object" : global.qualifiedName()) + ">";
    }
}
