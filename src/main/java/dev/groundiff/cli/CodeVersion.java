package dev.groundiff.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version and git commit this build was made from (written into every output's metadata). */
public final class CodeVersion {
    private CodeVersion() {}

    private static final Properties PROPS = load();

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = CodeVersion.class.getResourceAsStream("/groundiff-version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException ignored) {
            // fall back to "unknown"
        }
        return p;
    }

    public static String version() {
        return PROPS.getProperty("version", "unknown");
    }

    public static String commit() {
        String c = PROPS.getProperty("commit", "");
        return c.isEmpty() || c.startsWith("${") ? "unknown" : c;
    }

    public static String describe() {
        return version() + " (" + commit() + ")";
    }

    public static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"groundiff " + describe()};
        }
    }
}
