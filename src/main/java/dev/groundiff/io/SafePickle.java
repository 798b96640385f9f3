package dev.groundiff.io;

import dev.groundiff.GroundiffException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A bare pickle file (e.g. pickled features, {@code .pkl}) loaded with the same policy as checkpoints:
 * plain values only, other objects as {@link Opaque} placeholders, code-executing globals rejected.
 * Persistent ids (tensor storages) are refused: tensors live in {@link TorchCheckpoint} files.
 */
public final class SafePickle {
    private SafePickle() {}

    public static Object load(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new GroundiffException(path + ": no such file");
        } catch (IOException e) {
            throw new GroundiffException(path + ": cannot read: " + e.getMessage(), e);
        }
        return loads(bytes, path.toString());
    }

    public static Object loads(byte[] bytes, String source) {
        PickleReader r = new PickleReader(ByteBuffer.wrap(bytes), source,
                Map.of("collections.OrderedDict", TorchStorages.rebuilders(source).get("collections.OrderedDict")),
                pid -> { throw new GroundiffException(source + ": persistent ids (tensor storages) are not supported in a bare pickle"); });
        return r.load();
    }
}
