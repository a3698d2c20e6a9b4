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

    private static final String CEREMONY = "ceremony:s3cret-pass";

    /** A bcrypt htpasswd file for the {@link #CEREMONY} user. */
    private Path htpasswd() throws Exception {
        Tools.require("htpasswd");
        String[] user = CEREMONY.split(":");
        return Files.write(dir.resolve("htpasswd"), Tools.ok("htpasswd", "-Bbn", user[0], user[1]));
    }

    /** A registry that wants {@link #CEREMONY}'s password, holding the fixture {@code f} as app:1.0. */
    private LocalRegistry passwordRegistryWith(ConvertedImageFixture f) throws Exception {
        LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), htpasswd());
        try {
            registry.push(f.write(dir.resolve("oci")), "app:1.0", CEREMONY);
            return registry;
        } catch (Exception | Error e) {
            registry.close();
            throw e;
        }
    }

    /** A docker config.json in {@code dir} with {@code userColonPassword} for {@code host}. */
    private Path authFile(String name, String host, String userColonPassword) throws Exception {
        String auth = Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
        return Files.writeString(dir.resolve(name), "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}");
    }

    /** Registry options that take credentials from {@code config} (and the usual places after it). */
    private static RegistryClient.Options credentialsFrom(Path config) {
        return new RegistryClient.Options(Set.of(), Optional.of(config), Duration.ofSeconds(30));
    }

    /** A docker config.json with no credentials at all. */
    private Path noCredentials() throws Exception {
        return Files.writeString(dir.resolve("empty.json"), "{\"auths\":{}}");
    }

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

            // Issue 13, item 4: every layer read is a progress task, counted to its size and finished.
            java.util.List<String> tasks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            org.enclaveos.signer.io.Progress recording = (label, total, unit) -> new org.enclaveos.signer.io.Progress.Task() {
                long done;

                @Override
                public void advance(long amount) {
                    done += amount;
                }

                @Override
                public void finish() {
                    tasks.add(label + " " + done + "/" + total);
                }
            };
            ResolvedImage again = ResolvedImage.open(ref, null, options.withProgress(recording));
            ImageMeasure.measure(again, EnumSet.of(MemoryModel.SGX1), ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE);
            String layerTop = image.layers().get(2).digest();
            String layerMiddle = image.layers().get(1).digest();
            assertEquals(java.util.Set.of("reading " + registry.host + " " + layerTop.substring(0, 19) + " " + top + "/" + top,
                    "reading " + registry.host + " " + layerMiddle.substring(0, 19) + " " + middle + "/" + middle),
                    java.util.Set.copyOf(tasks), "the config is a document, not a progress task");
            assertEquals(documents + top + middle, ((RegistryClient) again.blobs()).bytesFetched(),
                    "an SGXS layout is measured in a single pass over the layers above it");
            System.out.println("RegistryTest: sgx1 alone fetched " + (documents + top + middle) + " bytes; the base layer ("
                    + base + " bytes) was never fetched");

            ResolvedImage byDigest = ResolvedImage.open(image.reference().withDigest(image.manifestDigest()), null, options);
            assertEquals(image.manifestDigest(), byDigest.manifestDigest());
            SignerException missing = assertThrows(SignerException.class,
                    () -> ResolvedImage.open(ImageReference.parse("docker://" + registry.host + "/team/none:1"), null, options));
            assertEquals(ErrorKind.REGISTRY, missing.kind());
            assertEquals("repository team/none not found on " + registry.host, missing.getMessage());
            SignerException tag = assertThrows(SignerException.class,
                    () -> ResolvedImage.open(ImageReference.parse("docker://" + registry.host + "/team/app:9.9"), null, options));
            assertEquals("docker://" + registry.host + "/team/app:9.9: manifest 9.9 not found (the repository exists)",
                    tag.getMessage());
        }
    }

    @Test
    void htpasswdRegistryNeedsTheCredentialsFromAnAuthFile() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        try (LocalRegistry registry = passwordRegistryWith(f)) {
            ImageReference ref = ImageReference.parse(registry.host + "/app:1.0");

            RegistryClient.Options none = credentialsFrom(noCredentials());
            SignerException refused = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null, none));
            assertEquals(ErrorKind.REGISTRY, refused.kind());

            RegistryClient.Options withAuth = credentialsFrom(authFile("auth.json", registry.host, CEREMONY));
            ResolvedImage image = ResolvedImage.open(ref, null, withAuth);
            assertEquals(Optional.of(f.sgx1Signature), ConvertedImage.of(image).signatures().get(MemoryModel.SGX1));
        }
    }

    /** A docker credential helper (as for ECR, GCR, ACR), found on PATH and run by jib-core. */
    @Test
    void credentialsFromADockerCredentialHelper() throws Exception {
        Path bin = Files.createDirectories(Path.of(System.getProperty("enclaveos.testBin")));
        Path helper = bin.resolve("docker-credential-enclaveos-test");
        // The helper protocol: "get" with the server on stdin, the credentials as JSON on stdout.
        Files.writeString(helper, "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n"
                + "echo \"$server\" >> \"$0.log\"\n"
                + "printf '{\"ServerURL\":\"%s\",\"Username\":\"ceremony\",\"Secret\":\"%s\"}' \"$server\" "
                + "\"$(cat \"$0.secret\")\"\n");
        helper.toFile().setExecutable(true);
        ConvertedImageFixture f = new ConvertedImageFixture();
        try (LocalRegistry registry = passwordRegistryWith(f)) {
            ImageReference ref = ImageReference.parse(registry.host + "/app:1.0");
            RegistryClient.Options options = credentialsFrom(Files.writeString(dir.resolve("config.json"),
                    "{\"credHelpers\":{\"" + registry.host + "\":\"enclaveos-test\"}}"));

            Files.writeString(Path.of(helper + ".secret"), "s3cret-pass");
            ResolvedImage image = ResolvedImage.open(ref, null, options);
            assertEquals(Optional.of(f.sgx1Signature), ConvertedImage.of(image).signatures().get(MemoryModel.SGX1));
            assertTrue(Files.readString(Path.of(helper + ".log")).contains(registry.host), "the helper was asked");

            Files.writeString(Path.of(helper + ".secret"), "stale-token");
            SignerException refused = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null, options));
            assertEquals(ErrorKind.REGISTRY, refused.kind());
            assertTrue(refused.getMessage().startsWith("unauthorized for " + registry.host + "/app"), refused.getMessage());
            assertTrue(!refused.getMessage().contains("stale-token"), "the secret is not in the message");
        }
    }

    @Test
    void bearerTokenRegistryPullsAndPushesWithTheAuthFilesCredentials() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null);
             FaultProxy tokens = new FaultProxy(registry.host)) {
            registry.push(local, "team/app:1.0", null);
            tokens.requireTokens(CEREMONY);
            ImageReference ref = ImageReference.parse("docker://" + tokens.host() + "/team/app:1.0");

            RegistryClient.Options none = credentialsFrom(noCredentials());
            SignerException anonymous = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null, none));
            assertEquals(ErrorKind.REGISTRY, anonymous.kind());
            assertTrue(anonymous.getMessage().contains("the token service answered HTTP 401"), anonymous.getMessage());

            RegistryClient.Options wrong = credentialsFrom(authFile("wrong.json", tokens.host(), "ceremony:wrong"));
            SignerException refused = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null, wrong));
            assertTrue(refused.getMessage().startsWith("unauthorized for " + tokens.host() + "/team/app"), refused.getMessage());

            RegistryClient.Options withAuth = credentialsFrom(authFile("auth.json", tokens.host(), CEREMONY));
            ResolvedImage image = ResolvedImage.open(ref, null, withAuth);
            assertEquals(Optional.of(f.sgx1Signature), ConvertedImage.of(image).signatures().get(MemoryModel.SGX1));
            assertEquals(f.sgx1Signature.mrenclave(), ImageMeasure.measure(image, java.util.EnumSet.of(MemoryModel.SGX1),
                    1 << 20).get(MemoryModel.SGX1).mrenclave());

            // Pushing needs a wider scope (pull,push, and pull on the repository blobs are mounted from):
            // the registry challenges again and the client must ask for a new token with the same credentials.
            byte[] newConfig = ImageRewrite.config(image.configBytes(),
                    java.util.Map.of(MemoryModel.SGX1, Optional.of(f.sgx1Signature.unsigned().toBuilder().isvSvn(3).build())));
            ImageReference target = ImageReference.parse("docker://" + tokens.host() + "/team/app-signed:1.0");
            ImageWriter.Written pushed = ImageWriter.write(image, newConfig, target, withAuth);
            assertTrue(tokens.scopesAsked.contains("repository:team/app:pull"), tokens.scopesAsked.toString());
            assertTrue(tokens.scopesAsked.stream().anyMatch(s -> s.contains("repository:team/app-signed:pull,push")),
                    tokens.scopesAsked.toString());
            ImageReference direct = ImageReference.parse("docker://" + registry.host + "/team/app-signed:1.0");
            assertEquals(pushed.manifestDigest(), ResolvedImage.open(direct, null).manifestDigest());

            // A registry that points its challenge at a plain-HTTP token service elsewhere gets no credentials.
            tokens.realm = "http://tokens.example.invalid/token";
            SignerException clear = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null, withAuth));
            assertEquals(tokens.host() + ": the token service http://tokens.example.invalid/token is not HTTPS; "
                    + "credentials are only sent over TLS", clear.getMessage());
        }
    }
}
