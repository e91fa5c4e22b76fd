"""Deterministic generator of a realistic demo featurizer build and its metrics.

The demo stands in for a real Jenkins delivery when the dashboard starts on an empty
database: colour fractions plus Google-Vision-style label confidences for each image,
and impressions/clicks from ad serving. A few features carry real, known effects on
CTR (``PLANTED_EFFECTS``) so the analysis can be checked against a ground truth.

Pure Python + numpy: no database, no Dash, no global random state, no wall clock.
"""

from __future__ import annotations

import numpy as np

DEMO_BUSINESS = "Demo Business (generated)"
DEMO_IMAGE_SOURCE = "demo-campaign"

N_FEATURES = 480

# The CSS Color Module Level 4 named colours (gray/grey spellings both included).
CSS_COLOURS: tuple[str, ...] = (
    "aliceblue", "antiquewhite", "aqua", "aquamarine", "azure", "beige", "bisque", "black",
    "blanchedalmond", "blue", "blueviolet", "brown", "burlywood", "cadetblue", "chartreuse",
    "chocolate", "coral", "cornflowerblue", "cornsilk", "crimson", "cyan", "darkblue",
    "darkcyan", "darkgoldenrod", "darkgray", "darkgreen", "darkgrey", "darkkhaki",
    "darkmagenta", "darkolivegreen", "darkorange", "darkorchid", "darkred", "darksalmon",
    "darkseagreen", "darkslateblue", "darkslategray", "darkslategrey", "darkturquoise",
    "darkviolet", "deeppink", "deepskyblue", "dimgray", "dimgrey", "dodgerblue", "firebrick",
    "floralwhite", "forestgreen", "fuchsia", "gainsboro", "ghostwhite", "gold", "goldenrod",
    "gray", "green", "greenyellow", "grey", "honeydew", "hotpink", "indianred", "indigo",
    "ivory", "khaki", "lavender", "lavenderblush", "lawngreen", "lemonchiffon", "lightblue",
    "lightcoral", "lightcyan", "lightgoldenrodyellow", "lightgray", "lightgreen", "lightgrey",
    "lightpink", "lightsalmon", "lightseagreen", "lightskyblue", "lightslategray",
    "lightslategrey", "lightsteelblue", "lightyellow", "lime", "limegreen", "linen", "magenta",
    "maroon", "mediumaquamarine", "mediumblue", "mediumorchid", "mediumpurple",
    "mediumseagreen", "mediumslateblue", "mediumspringgreen", "mediumturquoise",
    "mediumvioletred", "midnightblue", "mintcream", "mistyrose", "moccasin", "navajowhite",
    "navy", "oldlace", "olive", "olivedrab", "orange", "orangered", "orchid", "palegoldenrod",
    "palegreen", "paleturquoise", "palevioletred", "papayawhip", "peachpuff", "peru", "pink",
    "plum", "powderblue", "purple", "rebeccapurple", "red", "rosybrown", "royalblue",
    "saddlebrown", "salmon", "sandybrown", "seagreen", "seashell", "sienna", "silver",
    "skyblue", "slateblue", "slategray", "slategrey", "snow", "springgreen", "steelblue", "tan",
    "teal", "thistle", "tomato", "turquoise", "violet", "wheat", "white", "whitesmoke",
    "yellow", "yellowgreen",
)

# The seed's second colour model emits an `_x` twin for the colours it knows; the ones an
# ad photo shows most come first, so the subset taken below is the plausible one.
_X_COLOUR_PRIORITY: tuple[str, ...] = (
    "black", "white", "brown", "gray", "grey", "red", "blue", "green", "yellow", "orange",
    "pink", "purple", "silver", "gold", "navy", "beige", "tan", "maroon", "darkgray",
    "lightgray", "dimgray", "darkblue", "darkgreen", "darkred", "skyblue", "steelblue",
    "olive", "teal", "khaki", "ivory", "salmon", "coral", "crimson", "indigo", "lavender",
    "turquoise", "violet", "wheat", "sienna", "chocolate", "peru", "firebrick", "slategray",
    "darkslategray", "lightblue", "lightgreen", "lightpink", "darkorange", "saddlebrown",
    "sandybrown", "rosybrown", "burlywood", "darkkhaki", "goldenrod", "midnightblue",
    "royalblue", "forestgreen", "seagreen", "cadetblue", "dodgerblue", "hotpink", "deeppink",
    "magenta", "cyan", "aqua", "lime", "plum", "thistle", "orchid", "tomato", "gainsboro",
    "whitesmoke", "linen", "snow", "bisque", "moccasin", "cornsilk", "seashell", "oldlace",
)

# Google-Vision-style labels, lowercase with underscores as the seed's featurizer writes them.
VISION_LABELS: tuple[str, ...] = (
    # typography and advertising
    "text", "font", "poster", "logo", "brand", "advertising", "graphic_design", "graphics",
    "illustration", "label", "signage", "banner", "flyer", "display_advertising",
    "headline", "caption", "text_overlay", "label_text_overlay", "symbol", "icon", "sign",
    "price_tag", "sale", "discount", "coupon", "product", "product_design", "packaging",
    "album_cover", "film_poster", "magazine", "publication", "book", "document",
    "screenshot", "web_page", "art", "painting", "drawing", "cartoon", "animation",
    "fictional_character", "photograph", "photography", "design", "pattern", "circle",
    "monochrome", "black_and_white",
    # people
    "smile", "girl", "woman", "man", "boy", "child", "baby", "toddler", "person", "people",
    "face", "facial_expression", "happy", "fun", "beauty", "hair", "hairstyle", "skin",
    "eye", "hand", "finger", "gesture", "selfie", "portrait", "model", "family",
    "friendship", "love", "romance", "businessperson", "team", "crowd", "audience",
    # fashion
    "fashion", "fashion_design", "fashion_accessory", "clothing", "dress", "shirt",
    "t_shirt", "jeans", "jacket", "coat", "shoe", "footwear", "sneakers", "hat", "cap",
    "sunglasses", "eyewear", "glasses", "jewellery", "necklace", "earrings", "watch", "bag",
    "handbag", "cosmetics", "perfume", "skin_care", "lipstick", "makeup",
    # outdoors
    "sky", "cloud", "sun", "sunlight", "sunset", "beach", "sea", "ocean", "water", "wave",
    "sand", "tree", "plant", "flower", "grass", "leaf", "forest", "mountain", "landscape",
    "nature", "lake", "river", "winter", "summer", "spring", "city", "building",
    "architecture", "skyscraper", "street", "road", "urban_area", "house", "garden", "park",
    "travel", "tourism", "vacation", "hotel", "resort", "swimming_pool",
    "outdoor_recreation", "adventure", "camping", "hiking",
    # indoors and objects
    "room", "interior_design", "furniture", "table", "chair", "couch", "bed", "window",
    "door", "floor", "wall", "kitchen", "office", "tableware", "plate", "cup", "bottle",
    "gift", "toy", "game", "video_game", "electronics", "mobile_phone", "smartphone",
    "computer", "laptop", "television", "technology", "money", "credit_card", "headphones",
    "camera", "musical_instrument", "guitar", "microphone",
    # vehicles and animals
    "car", "vehicle", "automotive_design", "wheel", "bicycle", "motorcycle", "truck", "bus",
    "train", "airplane", "boat", "dog", "cat", "pet", "animal", "bird", "horse", "fish",
    "dog_breed",
    # food and drink
    "food", "dish", "cuisine", "fruit", "vegetable", "dessert", "cake", "baked_goods",
    "fast_food", "pizza", "burger", "coffee", "tea", "drink", "beverage", "wine", "beer",
    "cocktail", "ice_cream",
    # events and activities
    "sports", "ball", "football", "soccer", "basketball", "tennis", "running", "fitness",
    "exercise", "yoga", "gym", "event", "concert", "music", "performance", "stage",
    "festival", "party", "wedding", "holiday", "christmas", "celebration", "shopping",
    "retail", "store", "health", "medicine", "education", "conversation", "leisure",
)

_N_X_COLOURS = N_FEATURES - len(CSS_COLOURS) - len(VISION_LABELS)
X_COLOURS: tuple[str, ...] = tuple(f"{c}_x" for c in _X_COLOUR_PRIORITY[:_N_X_COLOURS])

FEATURE_NAMES: tuple[str, ...] = CSS_COLOURS + X_COLOURS + VISION_LABELS

# Multiplicative effect on an image's expected CTR when the feature is present.
PLANTED_EFFECTS: dict[str, float] = {
    "text": 0.8,
    "girl": 1.3,
    "smile": 1.3,
    "black_x": 1.1,
}

BASE_CTR = 0.015

# Fraction of images the featurizer reports the feature for; everything not listed here
# gets a long-tailed prevalence so that many features appear in only a handful of images.
_COMMON_PREVALENCE: dict[str, float] = {
    "white": 0.55, "black": 0.50, "gray": 0.30, "grey": 0.12, "white_x": 0.28,
    "darkgray": 0.22, "lightgray": 0.20, "silver": 0.18, "black_x": 0.18, "dimgray": 0.15,
    "whitesmoke": 0.15, "brown": 0.14, "gainsboro": 0.12, "beige": 0.10, "gray_x": 0.10,
    "darkslategray": 0.10, "brown_x": 0.08, "navy": 0.07, "red": 0.08, "blue": 0.07,
    "text": 0.40, "font": 0.30, "logo": 0.15, "product": 0.10, "poster": 0.12,
    "girl": 0.12, "smile": 0.10, "brand": 0.10, "graphic_design": 0.09, "advertising": 0.07,
    "sky": 0.08, "photograph": 0.06, "person": 0.06, "car": 0.04, "dog": 0.03, "food": 0.04,
}

_COLOUR_NAMES = frozenset(CSS_COLOURS + X_COLOURS)

_FOLDERS = ("summer", "winter", "holiday 2024", "spring_sale", "q3/retargeting", "brand")
# Named creatives a designer uploaded by hand; each is unique and none matches a template.
_HAND_NAMED = ("café_poster.png", "Été 2024/affiche principale.jpg", "hero banner (final).png")


_IS_COLOUR = np.array([name in _COLOUR_NAMES for name in FEATURE_NAMES])


def _prevalences(rng: np.random.Generator) -> np.ndarray:
    """Per-feature probability of being present in an image, aligned with FEATURE_NAMES."""
    p = np.empty(len(FEATURE_NAMES))
    is_colour = np.array([name in _COLOUR_NAMES for name in FEATURE_NAMES])
    is_common = np.array([name in _COMMON_PREVALENCE for name in FEATURE_NAMES])
    for group, scale in ((is_colour, 0.15), (~is_colour, 0.20)):
        tail = np.flatnonzero(group & ~is_common)
        # Which rare feature gets which rank depends on the seed; the tail shape does not.
        # At 659 images this leaves ~35 features unseen and ~230 in 1-3 images.
        ranks = rng.permutation(tail.size) + 1
        p[tail] = scale * (ranks + 3.0) ** -0.8
    for i, name in enumerate(FEATURE_NAMES):
        if name in _COMMON_PREVALENCE:
            p[i] = _COMMON_PREVALENCE[name]
    return p


def _image_names(n_images: int, rng: np.random.Generator) -> list[str]:
    """Unique, varied image names: mostly `ad_000123.jpg`, some with spaces, folders, unicode."""
    kinds = rng.choice(4, size=n_images, p=[0.78, 0.10, 0.07, 0.05])
    folders = rng.integers(len(_FOLDERS), size=n_images)
    names = []
    for i, (kind, folder) in enumerate(zip(kinds.tolist(), folders.tolist())):
        if kind == 0:
            names.append(f"ad_{i:06d}.jpg")
        elif kind == 1:
            names.append(f"{_FOLDERS[folder]}/ad {i}.png")
        elif kind == 2:
            names.append(f"banner {i}.jpeg")
        else:
            names.append(f"creative_{i:06d}_v2.webp")
    # Spread the hand-named files through the build; every template above embeds the
    # index, so they cannot collide with a generated name.
    for k, name in enumerate(_HAND_NAMED[:n_images]):
        names[(k + 1) * n_images // (len(_HAND_NAMED) + 1)] = name
    return names


def generate_demo(
    n_images: int = 659, seed: int = 7
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, int]]]:
    """Return (features, metrics) for a generated demo build; same arguments -> same output.

    features = {image_name: {feature: value}} with absent features omitted (colour fractions
    in (0, 1], label confidences in [0.5, 1)); metrics = {image_name: {"impressions": int,
    "clicks": int}} for about 98% of the images, the rest have no CTR.
    """
    if n_images < 0:
        raise ValueError(f"n_images must be >= 0, got {n_images}")
    rng = np.random.default_rng(seed)
    names = _image_names(n_images, rng)
    rows, cols = _presence(n_images, rng)
    values = _values(rows, cols, n_images, rng)

    bounds = np.searchsorted(rows, np.arange(n_images + 1))
    col_names = np.array(FEATURE_NAMES, dtype=object)[cols].tolist()
    value_list = values.tolist()
    features = {
        name: dict(zip(col_names[bounds[i]:bounds[i + 1]], value_list[bounds[i]:bounds[i + 1]]))
        for i, name in enumerate(names)
    }
    return features, _metrics(names, rows, cols, rng)


def _presence(n_images: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(image, feature) index pairs present, sorted by image then feature. Sparse, one feature
    at a time: memory grows with the pairs present, never with n_images * 480."""
    prevalence = _prevalences(rng)
    counts = rng.binomial(n_images, prevalence)
    rows = np.concatenate(
        [np.sort(rng.choice(n_images, size=k, replace=False)) for k in counts.tolist()]
        + [np.empty(0, dtype=np.int64)]
    ).astype(np.int64)
    cols = np.repeat(np.arange(len(FEATURE_NAMES)), counts)

    # Every picture has at least one colour: give the colourless ones a dominant neutral.
    has_colour = np.bincount(rows[_IS_COLOUR[cols]], minlength=n_images) > 0
    bare = np.flatnonzero(~has_colour)
    if bare.size:
        neutrals = np.array([FEATURE_NAMES.index(c) for c in ("white", "black", "gray")])
        rows = np.concatenate([rows, bare])
        cols = np.concatenate([cols, rng.choice(neutrals, size=bare.size, p=[0.5, 0.3, 0.2])])
    order = np.lexsort((cols, rows))
    return rows[order], cols[order]


def _values(rows: np.ndarray, cols: np.ndarray, n_images: int,
            rng: np.random.Generator) -> np.ndarray:
    """A value per present pair: colour fractions and label confidences."""
    colour_entry = _IS_COLOUR[cols]
    values = np.empty(rows.size)
    # Colour fractions: a Dirichlet-like split of the part of the picture the model assigns.
    weights = rng.gamma(0.8, size=rows.size)
    weights[~colour_entry] = 0.0
    row_weight = np.bincount(rows, weights=weights, minlength=n_images)
    covered = rng.uniform(0.55, 1.0, size=n_images)
    with np.errstate(invalid="ignore", divide="ignore"):
        fractions = weights / row_weight[rows] * covered[rows]
    values[colour_entry] = np.clip(np.round(fractions[colour_entry], 6), 1e-6, 1.0)
    # Label confidences: Vision reports only labels scoring >= 0.5, skewed towards high.
    confidence = 0.5 + 0.5 * rng.beta(2.5, 1.2, size=rows.size)
    values[~colour_entry] = np.clip(np.round(confidence[~colour_entry], 6), 0.5, 0.999999)
    return values


def _metrics(names: list[str], rows: np.ndarray, cols: np.ndarray,
             rng: np.random.Generator) -> dict[str, dict[str, int]]:
    """Impressions and clicks from the planted effects, for about 98% of the images."""
    n_images = len(names)
    # Expected CTR: base rate x planted effects x creative quality nobody measured.
    log_ctr = np.full(n_images, np.log(BASE_CTR)) + rng.normal(0.0, 0.25, size=n_images)
    for feature, effect in PLANTED_EFFECTS.items():
        present = rows[cols == FEATURE_NAMES.index(feature)]
        log_ctr[present] += np.log(effect)
    ctr = np.clip(np.exp(log_ctr), 0.0, 1.0)
    impressions = np.clip(np.rint(rng.lognormal(np.log(3000), 1.0, size=n_images)), 200, 50_000)
    impressions = impressions.astype(np.int64)
    clicks = rng.binomial(impressions, ctr)

    without_metrics = set(
        rng.choice(n_images, size=round(0.02 * n_images), replace=False).tolist()
    )
    return {
        name: {"impressions": imp, "clicks": clk}
        for i, (name, imp, clk) in enumerate(zip(names, impressions.tolist(), clicks.tolist()))
        if i not in without_metrics
    }
