"""ComfyUI's centre crop (comfy.utils.common_upscale with crop="center"), shared by the reference scripts."""


def crop_center(t, width, height):
    """The middle of t ([..., H, W]) cut to the aspect ratio width:height, as ComfyUI rounds it."""
    old_w, old_h = t.shape[-1], t.shape[-2]
    old_a, new_a = old_w / old_h, width / height
    x = y = 0
    if old_a > new_a:
        x = round((old_w - old_w * (new_a / old_a)) / 2)
    elif old_a < new_a:
        y = round((old_h - old_h * (old_a / new_a)) / 2)
    return t[..., y:old_h - y, x:old_w - x]
