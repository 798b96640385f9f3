package dev.groundiff.io;

/**
 * A Python global (class or function) named by a pickle and left unresolved: it is never imported
 * or called. Appears in a loaded tree where a pickle stores the class object itself, e.g. as a dict
 * key (pytorch-lightning's {@code callbacks}).
 */
public record PickleGlobal(String module, String name) {
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
