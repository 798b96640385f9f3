package dev.groundiff.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the dataset writer puts file bytes; tests inject one that fails like a full disk. */
@FunctionalInterface
public interface FileSink {
    FileSink DISK = Files::write;

    void write(Path path, byte[] bytes) throws IOException;
}
