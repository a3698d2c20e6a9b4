package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciImageTest {
    @TempDir
    Path dir;

    @Test
    void readsAConvertedImagesSignaturesAndLayoutLabels() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ResolvedImage image = ResolvedImage.open(f.write(dir), null);
        assertEquals(3, image.layers().size());
        assertEquals("linux/amd64", image.platform());
        ConvertedImage c = ConvertedImage.of(image);
        assertEquals(Optional.of(f.sgx1Signature), c.signatures().get(MemoryModel.SGX1));
        assertEquals(Optional.of(f.sgx2Signature), c.signatures().get(MemoryModel.SGX2));
        assertEquals(Optional.of("/enclave/app.sgxs"), c.layouts().get(MemoryModel.SGX1));
        assertEquals(Optional.of("/enclave/layout.json"), c.layouts().get(MemoryModel.SGX2));
        assertTrue(c.isConverted());
    }

    @Test
    void everyBlobIsCheckedAgainstItsDigest() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference ref = f.write(dir);
        ResolvedImage image = ResolvedImage.open(ref, null);
        Path config = dir.resolve("blobs/sha256").resolve(image.configDescriptor().hex());
        byte[] bytes = Files.readAllBytes(config);
        bytes[bytes.length - 2] ^= 1;
        Files.write(config, bytes);
        SignerException e = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null));
        assertEquals(ErrorKind.INTEGRITY, e.kind());
        assertTrue(e.getMessage().contains("blob " + image.configDescriptor().digest() + " hashes to sha256:"), e.getMessage());
    }

    @Test
    void theRewriteChangesOnlyTheSignatureVariablesAndTheConfigDescriptor() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ResolvedImage image = ResolvedImage.open(f.write(dir), null);
        Sigstruct ours = f.sgx1Signature.unsigned().toBuilder().isvSvn(9).build();
        byte[] config = ImageRewrite.config(image.configBytes(),
                Map.of(MemoryModel.SGX1, Optional.of(ours), MemoryModel.SGX2, Optional.empty()));
        JsonNode before = image.config();
        JsonNode after = ImageDocuments.parse(config, "new config");
        // Equal but for the two variables, which kept their places in Env.
        ObjectNode expected = before.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) expected.at("/config/Env"))
                .set(1, expected.textNode("ENCLAVEOS_SIGNATURE=" + ConvertedImageFixture.b64(ours)));
        ((com.fasterxml.jackson.databind.node.ArrayNode) expected.at("/config/Env")).set(3, expected.textNode("ENCLAVEOS_SIGNATURE2="));
        assertEquals(expected, after);
        assertEquals("1.50", after.at("/x-converter/ratio").toString(), "numbers pass through exactly");

        byte[] manifest = ImageRewrite.manifest(image.manifestBytes(), config);
        JsonNode m = ImageDocuments.parse(manifest, "new manifest");
        ObjectNode expectedManifest = image.manifest().deepCopy();
        ((ObjectNode) expectedManifest.get("config")).put("digest", "sha256:" + Hash256.sha256(config).hex())
                .put("size", config.length);
        assertEquals(expectedManifest, m);
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            assertTrue(image.manifest().has(k), "no field added: " + k);
        }
    }

    @Test
    void indexesSelectThePlatformOrSayWhatIsThere() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ResolvedImage image = ResolvedImage.open(f.write(dir), null);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + image.manifestDigest()
                + "\",\"size\":" + image.manifestBytes().length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
        String hex = ConvertedImageFixture.blob(dir, index.getBytes());
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:" + hex + "\",\"size\":" + index.length() + "}]}");
        ImageReference ref = ImageReference.parse("oci:" + dir);
        SignerException e = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("has no manifest for platform linux/amd64 (it has: linux/arm64)"), e.getMessage());
        assertEquals(image.manifestDigest(), ResolvedImage.open(ref, "linux/arm64").manifestDigest());
    }
}
