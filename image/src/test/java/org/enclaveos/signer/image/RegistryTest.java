package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real distribution registry on 127.0.0.1, images pushed there by skopeo. */
class RegistryTest {
    @TempDir
    Path dir;

    @Test
    void measuresFromARegistryFetchingOnlyTheLayersItNeeds() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        ResolvedImage source = ResolvedImage.open(local, null);
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null)) {
            registry.push(local, "team/app:1.0", null);
            ImageReference ref = ImageReference.parse("docker://" + registry.host + "/team/app:1.0");
            RegistryClient.Options options = RegistryClient.Options.defaults();
            ResolvedImage image = ResolvedImage.open(ref, null, options);
            assertEquals(source.manifestDigest(), image.manifestDigest(), "skopeo copied the manifest unchanged");
            Map<MemoryModel, ImageMeasure.Result> r = ImageMeasure.measure(image, EnumSet.allOf(MemoryModel.class),
                    ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE);
            assertEquals(f.sgx1Signature.mrenclave(), r.get(MemoryModel.SGX1).mrenclave());
            assertEquals(f.sgx2Signature.mrenclave(), r.get(MemoryModel.SGX2).mrenclave());

            long top = image.layers().get(2).size();
            long middle = image.layers().get(1).size();
            long base = image.layers().get(0).size();
            long documents = image.manifestBytes().length + image.configBytes().length;
            // Both layouts sit in the middle layer: one scan of the top two layers finds them; the manifest
            // layout's content file came before the manifest in that layer, so that one layer is read once
            // more. The base layer is never fetched.
            assertEquals(documents + top + 2 * middle, ((RegistryClient) image.blobs()).bytesFetched());

            ResolvedImage again = ResolvedImage.open(ref, null, options);
            ImageMeasure.measure(again, EnumSet.of(MemoryModel.SGX1), ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE);
            assertEquals(documents + top + middle, ((RegistryClient) again.blobs()).bytesFetched(),
                    "an SGXS layout is measured in a single pass over the layers above it");
            System.out.println("RegistryTest: sgx1 alone fetched " + (documents + top + middle) + " bytes; the base layer ("
                    + base + " bytes) was never fetched");

            ResolvedImage byDigest = ResolvedImage.open(image.reference().withDigest(image.manifestDigest()), null, options);
            assertEquals(image.manifestDigest(), byDigest.manifestDigest());
            SignerException missing = assertThrows(SignerException.class,
                    () -> ResolvedImage.open(ImageReference.parse("docker://" + registry.host + "/team/none:1"), null, options));
            assertEquals(ErrorKind.REGISTRY, missing.kind());
        }
    }

    @Test
    void htpasswdRegistryNeedsTheCredentialsFromAnAuthFile() throws Exception {
        Tools.require("htpasswd");
        Path htpasswd = dir.resolve("htpasswd");
        Files.write(htpasswd, Tools.ok("htpasswd", "-Bbn", "ceremony", "s3cret-pass"));
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), htpasswd)) {
            registry.push(local, "app:1.0", "ceremony:s3cret-pass");
            ImageReference ref = ImageReference.parse(registry.host + "/app:1.0");

            Path empty = Files.writeString(dir.resolve("empty.json"), "{\"auths\":{}}");
            RegistryClient.Options none = new RegistryClient.Options(Set.of(), Optional.of(empty), Duration.ofSeconds(30));
            SignerException refused = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null, none));
            assertEquals(ErrorKind.REGISTRY, refused.kind());

            String auth = Base64.getEncoder().encodeToString("ceremony:s3cret-pass".getBytes(StandardCharsets.UTF_8));
            Path config = Files.writeString(dir.resolve("auth.json"),
                    "{\"auths\":{\"" + registry.host + "\":{\"auth\":\"" + auth + "\"}}}");
            RegistryClient.Options withAuth = new RegistryClient.Options(Set.of(), Optional.of(config), Duration.ofSeconds(30));
            ResolvedImage image = ResolvedImage.open(ref, null, withAuth);
            assertEquals(Optional.of(f.sgx1Signature), ConvertedImage.of(image).signatures().get(MemoryModel.SGX1));
        }
    }
}
