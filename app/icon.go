package app

import (
	"fyne.io/fyne/v2"

	"github.com/wgtray/wgtray/assets"
)

// AppIcon is the application icon as a Fyne resource: the packaged PNG,
// which costs nothing to draw when the window starts.
var AppIcon = fyne.NewStaticResource("wgtray.png", assets.IconPNG)
