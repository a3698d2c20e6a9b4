package org.enclaveos.signer.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bundle.json grows with the batch, about 134 bytes per request. Read with a request file's 1 MiB
 * bound, a directory of more than about 7,800 requests, which prepare wrote without complaint, was
 * refused by sign-offline as "larger than any request file".
 */
class RequestBundleTest {
    @TempDir
    Path dir;

    @Test
    void aBundleOfMoreThanAMebibyteLoads() throws IOException {
        Path requests = Requests.write(dir.resolve("requests"), 2, null);
        Path file = requests.resolve(RequestBundle.FILE_NAME);
        // The size of a bundle for about 9,000 requests, without writing and parsing 9,000 requests: the
        // extra entries name files that are not requests, which the loader only lists.
        List<RequestBundle.Entry> entries = new ArrayList<>(RequestBundle.read(file).files());
        for (int i = 0; i < 9_000; i++) {
            entries.add(new RequestBundle.Entry(String.format("notes-%05d.txt", i), "00".repeat(32)));
        }
        Files.write(file, new RequestBundle(RequestBundle.SCHEMA, "test", entries).toJson());
        assertTrue(Files.size(file) > RequestJson.MAX_BYTES, "the bundle is larger than a request may be");

        List<RequestSet.Loaded> loaded = RequestSet.load(List.of(requests));
        assertEquals(List.of("app0.sgx1", "app1.sgx1"), loaded.stream().map(RequestSet.Loaded::id).toList());
    }

    @Test
    void aBundleOverItsOwnBoundIsRefusedNamingTheFileAndTheBound() throws IOException {
        Path requests = Requests.write(dir.resolve("requests"), 1, null);
        Path file = requests.resolve(RequestBundle.FILE_NAME);
        byte[] json = Files.readAllBytes(file);
        byte[] padded = (" ".repeat(RequestBundle.MAX_BYTES - json.length + 1)).getBytes(StandardCharsets.US_ASCII);
        Files.write(file, padded);
        Files.write(file, json, java.nio.file.StandardOpenOption.APPEND);

        SignerException e = assertThrows(SignerException.class, () -> RequestSet.load(List.of(requests)));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        assertEquals(file + ": larger than any bundle.json (at most " + RequestBundle.MAX_BYTES + " bytes)", e.getMessage());
    }

    @Test
    void aBatchTooLargeForOneBundleIsRefusedBeforeAnyFileIsWritten() throws IOException {
        List<SigningRequest> batch = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batch.add(Requests.request("app" + i, MemoryModel.SGX1, Requests.production(i), null));
        }
        Path out = dir.resolve("out");
        SignerException e = assertThrows(SignerException.class, () -> RequestWriter.write(out, batch, false, "test", 400));
        assertEquals(ErrorKind.USAGE, e.kind());
        assertTrue(e.getMessage().startsWith(out.resolve(RequestBundle.FILE_NAME) + ": 3 request files are more than one "
                + "directory's bundle lists ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("at most 400); nothing written. Split the batch over directories: prepare "
                + "--batch FILE --shard I/N"), e.getMessage());
        assertFalse(Files.exists(out), "nothing written, not even the directory");

        RequestWriter.write(out, batch, false, "test", RequestBundle.MAX_BYTES);
        assertEquals(3, RequestBundle.read(out.resolve(RequestBundle.FILE_NAME)).files().size());
        // The size refused is the size the bundle has once written: judged before any request was hashed.
        java.util.regex.Matcher size = java.util.regex.Pattern.compile("\\((\\d+) bytes").matcher(e.getMessage());
        assertTrue(size.find(), e.getMessage());
        assertEquals(Files.size(out.resolve(RequestBundle.FILE_NAME)), Long.parseLong(size.group(1)));
    }
}
