package dev.groundiff.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which globals a pickle may name. A pickle naming a denied global (one that executes code, runs
 * processes, touches files or unpickles nested data) is rejected as a whole; every other global is
 * kept as an inert {@link PickleGlobal} and never called. Names written by protocol 0-2 pickles are
 * first renamed from Python 2 to Python 3 as Python's unpickler does ({@code _compat_pickle}); the
 * deny check looks at both spellings.
 */
final class PickleGlobalPolicy {
    static final Set<String> DENIED_MODULES = Set.of(
            "os", "posix", "nt", "subprocess", "sys", "runpy", "importlib", "shutil", "socket", "pickle",
            "_pickle", "marshal", "ctypes", "code", "codeop", "pty", "types", "webbrowser", "multiprocessing",
            "functools", "operator", "io", "_io", "tempfile", "pathlib", "glob", "signal", "threading",
            "_thread", "asyncio", "urllib", "http", "ftplib", "smtplib", "telnetlib", "posixpath", "ntpath",
            "platform", "pdb", "bdb");
    static final Set<String> DENIED_GLOBALS = Set.of(
            "torch.load", "torch.serialization.load", "torch.storage._load_from_bytes", "torch.jit.load",
            "torch.hub.load", "torch.hub.load_state_dict_from_url", "numpy.load", "numpy.lib.npyio.load");
    /** builtins that only build plain values; every other builtin (exec, eval, getattr, open, ...) is denied. */
    static final Set<String> BUILTIN_VALUE_TYPES = Set.of(
            "set", "frozenset", "slice", "complex", "range", "bytearray", "bytes", "int", "float", "str",
            "bool", "list", "tuple", "dict", "object");

    private static final Map<String, String> MODULE_RENAMES = new HashMap<>();
    private static final Map<String, PickleGlobal> NAME_RENAMES = new HashMap<>();

    static {
        InputStream in = PickleGlobalPolicy.class.getResourceAsStream("python2_pickle_names.txt");
        if (in == null) throw new IllegalStateException("python2_pickle_names.txt missing from the classpath");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.trim().split("\\s+");
                if (f[0].equals("module") && f.length == 3) MODULE_RENAMES.put(f[1], f[2]);
                else if (f[0].equals("name") && f.length == 5) NAME_RENAMES.put(f[1] + " " + f[2], new PickleGlobal(f[3], f[4]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private PickleGlobalPolicy() {}

    /** The Python 3 name of a global as written by a Python 2 style (protocol &lt; 3) pickle. */
    static PickleGlobal python3Name(String module, String name) {
        PickleGlobal renamed = NAME_RENAMES.get(module + " " + name);
        if (renamed != null) return renamed;
        String m = MODULE_RENAMES.get(module);
        return new PickleGlobal(m != null ? m : module, name);
    }

    /** Whether naming this global makes the whole file rejected. */
    static boolean denied(PickleGlobal g) {
        String module = g.module();
        if (module.equals("builtins") || module.equals("__builtin__") || module.equals("__builtins__")) {
            return !BUILTIN_VALUE_TYPES.contains(g.name());
        }
        if (DENIED_GLOBALS.contains(g.qualifiedName())) return true;
        // the module itself or any submodule: os.path, importlib.util, multiprocessing.popen_fork, ...
        int dot = module.indexOf('.');
        return DENIED_MODULES.contains(dot < 0 ? module : module.substring(0, dot));
    }
}
