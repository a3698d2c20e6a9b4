package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.RequestBundle;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every edit of a request is refused before anything is signed: by bundle.json when only the request
 * changed, and by the request's own consistency when an attacker also rewrote the bundle.
 */
class TamperTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Values derived from unsignedSigstruct: caught even when the bundle is rewritten to match. */
    private static final Set<String> DERIVED_ROOTS = Set.of("mrenclave", "sigstruct", "unsignedSigstruct",
            "signingPayload", "signingPayloadSha256", "name", "memoryModel", "schema", "converter");

    @TempDir
    Path dir;
    Path file;
    byte[] original;

    @BeforeEach
    void write() throws IOException {
        Requests.write(dir, 1, Hash256.sha256(new byte[] {7}));
        file = dir.resolve("app0.sgx1.request.json");
        original = Files.readAllBytes(file);
        RequestSet.load(List.of(dir)); // the untouched set loads
    }

    @Test
    void everyFieldEditIsRefusedByTheBundle() throws IOException {
        int tried = 0;
        for (String path : leaves()) {
            Files.write(file, mutate(path));
            SignerException e = assertThrows(SignerException.class, () -> RequestSet.load(List.of(dir)), path);
            assertEquals(ErrorKind.INTEGRITY, e.kind(), path);
            assertTrue(e.getMessage().contains("request was edited: its SHA-256 is"), e.getMessage());
            tried++;
        }
        Files.write(file, original);
        assertTrue(tried > 60, "leaves tried: " + tried);
        System.out.println("TamperTest: " + tried + " field edits tried, " + tried + " refused by bundle.json");
    }

    @Test
    void derivedFieldEditsAreRefusedEvenWithARewrittenBundle() throws IOException {
        int tried = 0;
        for (String path : leaves()) {
            if (!DERIVED_ROOTS.contains(path.split("[./\\[]")[0])) {
                continue;
            }
            byte[] edited = mutate(path);
            Files.write(file, edited);
            rewriteBundle(edited);
            SignerException e = assertThrows(SignerException.class, () -> RequestSet.load(List.of(dir)), path);
            assertTrue(e.kind() == ErrorKind.INTEGRITY || e.kind() == ErrorKind.MALFORMED_INPUT
                    || e.kind() == ErrorKind.UNSUPPORTED, path + ": " + e.kind());
            tried++;
        }
        assertTrue(tried > 50, "derived leaves tried: " + tried);
        System.out.println("TamperTest: " + tried + " derived-field edits with a rewritten bundle, all refused");
    }

    @Test
    void everyFlippedByteOfTheUnsignedSigstructIsRefused() throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(original);
        byte[] ss = Base64.getDecoder().decode(tree.get("unsignedSigstruct").asText());
        for (int i = 0; i < ss.length; i++) {
            byte[] flipped = ss.clone();
            flipped[i] ^= 1;
            tree.put("unsignedSigstruct", Base64.getEncoder().encodeToString(flipped));
            byte[] edited = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
            Files.write(file, edited);
            rewriteBundle(edited);
            int at = i;
            SignerException e = assertThrows(SignerException.class, () -> RequestSet.load(List.of(dir)), "byte " + at);
            assertEquals(ErrorKind.INTEGRITY, e.kind(), "byte " + i + ": " + e.getMessage());
        }
        System.out.println("TamperTest: " + ss.length + " single-byte flips of unsignedSigstruct, all refused");
    }

    @Test
    void theRefusalNamesTheFieldAndBothValues() throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(original);
        ((ObjectNode) tree.get("sigstruct")).put("isvSvn", 9);
        byte[] edited = JSON.writeValueAsBytes(tree);
        Files.write(file, edited);
        rewriteBundle(edited);
        SignerException e = assertThrows(SignerException.class, () -> RequestSet.load(List.of(dir)));
        assertEquals(file + ": request was edited: field sigstruct.isvSvn says 9, bytes say 0", e.getMessage());
    }

    private void rewriteBundle(byte[] edited) throws IOException {
        RequestBundle b = new RequestBundle(RequestBundle.SCHEMA, "test",
                List.of(new RequestBundle.Entry(file.getFileName().toString(), Hash256.sha256(edited).hex())));
        Files.write(dir.resolve(RequestBundle.FILE_NAME), b.toJson());
    }

    /** Every leaf of the request, as a JSON pointer. */
    private List<String> leaves() throws IOException {
        List<String> out = new ArrayList<>();
        collect(JSON.readTree(original), "", out);
        return out;
    }

    private static void collect(JsonNode node, String path, List<String> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                collect(e.getValue(), path + "/" + e.getKey(), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node.get(i), path + "/" + i, out);
            }
        } else {
            out.add(path.substring(1));
        }
    }

    private byte[] mutate(String pointer) throws IOException {
        JsonNode root = JSON.readTree(original);
        String parentPath = pointer.contains("/") ? "/" + pointer.substring(0, pointer.lastIndexOf('/')) : "";
        String key = pointer.substring(pointer.lastIndexOf('/') + 1);
        JsonNode parent = parentPath.isEmpty() ? root : root.at(parentPath);
        JsonNode value = parent.isArray() ? parent.get(Integer.parseInt(key)) : parent.get(key);
        JsonNode changed;
        if (value.isBoolean()) {
            changed = BooleanNode.valueOf(!value.asBoolean());
        } else if (value.isNumber()) {
            changed = IntNode.valueOf(value.asInt() + 1);
        } else if (value.isNull()) {
            changed = TextNode.valueOf("x");
        } else {
            String s = value.asText();
            char last = s.isEmpty() ? 'x' : s.charAt(s.length() - 1);
            char flipped = last == '0' ? '1' : last == '1' ? '0' : last == 'a' ? 'b' : 'a';
            changed = TextNode.valueOf(s.isEmpty() ? "x" : s.substring(0, s.length() - 1) + flipped);
        }
        if (parent.isArray()) {
            ((ArrayNode) parent).set(Integer.parseInt(key), changed);
        } else {
            ((ObjectNode) parent).set(key, changed);
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }
}
